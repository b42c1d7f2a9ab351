"""Commands about a host's data files: its event store, which holds the dictionary maps and
the backup catalog (the manual's "dictionary map files and backup catalog").

``drmdbsetup -i`` (spec 08 §3.15) creates them; ``drmfsdisplay -v`` (spec 08 §3.4) shows where
they are (its ``DB_PATH:`` line).
"""
from __future__ import annotations

from typing import Literal

from events.command_base import EXCLUSIVE, QUERY, Command


class SetUpDataFiles(Command, console=("drmdbsetup",), concurrency=EXCLUSIVE):
    """``drmdbsetup -i``: the agent's store is created and migrated before it handles any
    command; this records, as the command's outcome, that the host's data files were set up.
    Result: ``{"db_path": where the store is (a directory for a file store, else the database
    URL without its password), "store": the database kind}``."""

    name: Literal["SetUpDataFiles"] = "SetUpDataFiles"


class ShowDataFiles(Command, console=("drmfsdisplay",), concurrency=QUERY):
    """``drmfsdisplay -v``: where the host's data files are. Result: as ``SetUpDataFiles``."""

    name: Literal["ShowDataFiles"] = "ShowDataFiles"


DATA_FILES_COMMANDS = (SetUpDataFiles, ShowDataFiles)
