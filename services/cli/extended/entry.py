"""``ExtendedEntry``: one extended command (``EX_DRM_*``) as the CLI table lists it.

Its name is the manual's console name (``drm EX_DRM_FS_BACKUP …``, the console script
``EX_DRM_FS_BACKUP …``, ``drm ex fs_backup …``). Its first operand is the operation ID;
``prepare`` reads the operation's files (``services.cli.extended.operation``) and ``steps``
sends the basic commands through the ``Agent`` that ``services.cli.perform.perform_operation``
gives it, every command tagged with the operation, and returns what to show.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from services.cli.entries import Arg, Opt, Shown, add_common, arg
from services.cli.extended.operation import Operation, load_operation

if TYPE_CHECKING:
    from events.command_base import Command

Steps = Callable[[argparse.Namespace, Operation, Any], Shown]
ANY_OBJECT = None  # ExtendedEntry.backup_object of a command that serves every BACKUP_OBJECT


@dataclass(frozen=True)
class ExtendedEntry:
    name: str
    summary: str
    description: str
    commands: tuple[type[Command], ...]
    steps: Steps
    options: tuple[Arg | Opt, ...] = ()
    timeout: float = 3600.0
    # drm_script.log records beyond START/END (the user script's commands), from what it shows
    records: Callable[[Shown], list[tuple[str, str]]] = lambda shown: []
    # the operations' BACKUP_OBJECT (MSSQL: issue 13); ANY_OBJECT for the common commands
    # (backup ID file, export/import, FTP, mount, tape, resync) that serve every kind
    backup_object: str | tuple[str, ...] | None = "FILESYSTEM"
    # the basic command's messages that also come as progress lines: MSG_OUTPUT decides
    # whether they print (in the basic command's block, DETAIL) or not (NORMAL), so never on
    # stderr as progress too
    progress_shown: tuple[str, ...] = ()

    @property
    def manual(self) -> str:
        return self.name

    @property
    def console(self) -> tuple[str, ...]:
        return (self.name,)

    @property
    def short(self) -> str:
        """``fs_backup`` for ``EX_DRM_FS_BACKUP`` (``drm ex fs_backup``)."""
        return self.name.removeprefix("EX_DRM_").lower()

    def register(self, subparsers) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(
            self.name, help=f"{self.summary} ({self.name})",
            description=f"{self.name}: {self.description}",
            formatter_class=argparse.RawDescriptionHelpFormatter)
        arg("operation_id", help="the operation ID (names script/conf/_<operation-ID>.dat)"
            ).add_to(parser)
        for option in self.options:
            option.add_to(parser)
        add_common(parser, self.timeout)
        parser.set_defaults(func=self.run)
        return parser

    def prepare(self, args: argparse.Namespace, settings, host: str) -> Operation:
        return load_operation(settings.data_dir, host, args.operation_id, settings.init_conf,
                              self.backup_object)

    def run(self, args: argparse.Namespace, connect=None) -> int:
        from services.cli.extended.script_log import script_logger
        from services.cli.perform import perform_operation

        return perform_operation(self, args, connect, script_logger(self, args))
