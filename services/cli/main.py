"""The ``drm`` command line: one sub-command per manual command, plus the console aliases.

Each module listed in ``COMMAND_MODULES`` exposes ``register(subparsers)``; every parser it
adds sets ``func(args) -> int`` (the exit code). Modules are imported lazily so that ``--help``
stays fast and nothing connects at import time.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

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
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drm",
        description="Replication-based backup and restore of file systems on storage arrays, "
        "every operation an event.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as error:
        print(error.render(), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("KAVX0007-E Interrupted by the user.", file=sys.stderr)
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
