"""``drm`` imports only the module of the command it runs: its table of command names must
name, for every command, the module that registers it."""
from __future__ import annotations

import argparse
import importlib

from services.cli.main import COMMAND_MODULES, COMMAND_NAMES, build_parser, modules_for


def registered_by(module: str) -> set[str]:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    importlib.import_module(module).register(subparsers)
    return set(subparsers.choices)


def test_the_command_table_names_the_module_registering_each_command():
    found = {name: module for module in COMMAND_MODULES for name in registered_by(module)}
    assert COMMAND_NAMES == found


def test_a_known_command_builds_a_parser_from_its_module_alone():
    assert modules_for(["report", "catalog", "--host", "H"]) == ("services.cli.report",)
    parser = build_parser(modules_for(["report"]))
    args = parser.parse_args(["report", "catalog", "--host", "H", "--as-of", "2026-01-01"])
    assert args.host == "H" and args.as_of == "2026-01-01"


def test_help_and_unknown_words_build_the_whole_parser():
    assert modules_for([]) == COMMAND_MODULES
    assert modules_for(["--help"]) == COMMAND_MODULES
    assert modules_for(["nosuchcommand"]) == COMMAND_MODULES
