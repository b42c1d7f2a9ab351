"""The command catalogue: one declaration per command, and everything else derived from it."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

import pytest

from events.catalogue import CATALOGUE, CommandCatalogue, DuplicateCommand
from events.command_base import EXCLUSIVE, QUERY, Command
from events.fs_commands import BackupFileSystem

ROOT = Path(__file__).resolve().parents[3]


class Twice(Command, concurrency=QUERY):
    name: Literal["Twice"] = "Twice"


class Misnamed(Command):
    name: Literal["SomethingElse"] = "SomethingElse"


def test_a_command_declared_twice_is_refused():
    with pytest.raises(DuplicateCommand, match="Twice"):
        CommandCatalogue([Twice, Twice])


def test_a_command_whose_wire_name_is_not_its_class_name_is_refused():
    with pytest.raises(DuplicateCommand, match="Misnamed"):
        CommandCatalogue([Misnamed])


def test_every_command_carries_its_facts():
    for command_type in CATALOGUE:
        assert command_type.wire_name() == command_type.__name__
        assert command_type.concurrency in (EXCLUSIVE, QUERY) or command_type.__name__ in (
            "HostInfo", "WaitPairEvent",  # pairevtwait waits beside other commands
            "RunRemoteScriptCommand")  # a remote script may run drmmount there
        assert set(command_type.roles) <= {"FS", "DB", "BK"} and command_type.roles


def test_class_keywords_declare_the_facts_once():
    assert BackupFileSystem.console == ("drmfsbackup", "EX_DRM_FS_BACKUP")
    assert BackupFileSystem.concurrency is EXCLUSIVE
    assert BackupFileSystem(targets=("/mnt/fs1",)).arguments()["targets"] == ["/mnt/fs1"]


def test_the_pyproject_scripts_are_the_catalogues_console_names():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    aliases = {name for name in scripts if name != "drm"}
    assert aliases == set(CATALOGUE.console_names())
    for alias in aliases:
        assert scripts[alias] == f"services.cli.main:{alias}"
