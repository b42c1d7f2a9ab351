"""The ``drm`` command line: one sub-command per manual command, plus the console aliases.

Each module listed in ``COMMAND_MODULES`` exposes ``register(subparsers)``; every parser it
adds sets ``func(args) -> int`` (the exit code). Modules are imported lazily: a command line
whose first word is in ``COMMAND_NAMES`` imports only the module that registers that command
(start-up is most of a short report's time); anything else (``--help``, an unknown command)
builds the whole parser, so the messages are the same either way.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from events.signing import TrustFileError
from services import messages
from services.cli.errors import CliError

COMMAND_MODULES = (
    "services.cli.hostinfo",
    "services.cli.log",
    "services.cli.agent",
    "services.cli.lab",
    "services.cli.pairdisplay",
    "services.cli.filesystem",
    "services.cli.catalog",
    "services.cli.copy_groups",
    "services.cli.tape",
    "services.cli.tape_catalog",
    "services.cli.report",
    "services.cli.audit",
    "services.cli.transfer",
    "services.cli.lineage",
    "services.cli.trust",
)

COMMAND_NAMES = {  # command -> the module that registers it (a unit test keeps this complete)
    "hostinfo": "services.cli.hostinfo",
    "log": "services.cli.log", "verify": "services.cli.trust", "key": "services.cli.trust",
    "agent": "services.cli.agent",
    "lab": "services.cli.lab",
    "pairdisplay": "services.cli.pairdisplay",
    "fsbackup": "services.cli.filesystem", "fsdisplay": "services.cli.filesystem",
    "fsrestore": "services.cli.filesystem",
    "appcat": "services.cli.catalog", "fscat": "services.cli.catalog",
    "cgctl": "services.cli.copy_groups", "resync": "services.cli.copy_groups",
    "mediabackup": "services.cli.tape", "mediarestore": "services.cli.tape",
    "mount": "services.cli.tape", "umount": "services.cli.tape",
    "tapecat": "services.cli.tape_catalog", "tapeinit": "services.cli.tape_catalog",
    "report": "services.cli.report",
    "audit": "services.cli.audit",
    "dbexport": "services.cli.transfer", "dbimport": "services.cli.transfer",
    "lineage": "services.cli.lineage",
}


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules a parser for ``argv`` needs: the one registering its command, or
    every module when the first word is not a known command."""
    module = COMMAND_NAMES.get(argv[0]) if argv else None
    return (module,) if module in COMMAND_MODULES else COMMAND_MODULES


def build_parser(modules: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drm",
        description="Replication-based backup and restore of file systems on storage arrays, "
        "every operation an event.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for name in COMMAND_MODULES if modules is None else modules:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(modules_for(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as error:
        print(error.render(), file=sys.stderr)
        return error.exit_code
    except TrustFileError as error:  # a damaged key file, trusted-keys registry or state file
        print(CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.BAD_COMMAND, str(error))).render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(messages.line(messages.INTERRUPTED), file=sys.stderr)
        return 130


def alias(command: str):
    """A console entry point ``drm<command>`` that runs ``drm <command> …``."""

    def run() -> int:
        return main([command, *sys.argv[1:]])

    return run


drmhostinfo = alias("hostinfo")
drmfsbackup = alias("fsbackup")
drmfsrestore = alias("fsrestore")
drmfscat = alias("fscat")
drmfsdisplay = alias("fsdisplay")
drmresync = alias("resync")
drmcgctl = alias("cgctl")
drmappcat = alias("appcat")
drmmount = alias("mount")
drmumount = alias("umount")
drmmediabackup = alias("mediabackup")
drmmediarestore = alias("mediarestore")
drmtapecat = alias("tapecat")
drmtapeinit = alias("tapeinit")
drmdbexport = alias("dbexport")
drmdbimport = alias("dbimport")

if __name__ == "__main__":
    sys.exit(main())
