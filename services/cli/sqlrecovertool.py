"""``drmsqlrecovertool <instance>``: the manual's recovery dialog as a terminal prompt, or the
same choices as options (for scripts).

The dialog's fields (spec 05 §3.4): the target databases (at most 128 shown), the transaction
log backup files (ADD), the recovery mode (Loading, Standby, Online) and "Roll forward?". Log
files name their database as the manual names them (``<database>_<YYYYMMDDhhmmss>_<n>.bk``);
they are applied in the order given. Table 6-2 treats the tool apart from ``drmsqlrecover``
(an Online database is refused), so the command carries ``tool=True``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import PurePath
from typing import Callable

from events.sql_restore import LogListEntry, RecoverSqlDatabases
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error
from services.cli.filesystem_args import build
from services.cli.sqlserver_restore import NO_CAT_ID, recover_lines, split_names

MODES = {"loading": "loading", "standby": "standby", "online": "online"}
MAX_SHOWN = 128


def database_of(path: str) -> str:
    """``/l/DB1_20021106010100_0001.bk`` -> ``DB1``."""
    stem = PurePath(path.replace("\\", "/")).stem
    parts = stem.rsplit("_", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise usage_error(f"{path} is not named <database>_<YYYYMMDDhhmmss>_<n>.bk")
    return parts[0]


def log_entries(files: tuple[str, ...]) -> tuple[LogListEntry, ...]:
    by_database: dict[str, list[str]] = {}
    for path in files:
        by_database.setdefault(database_of(path), []).append(path)
    return tuple(build(LogListEntry, original_id=NO_CAT_ID, database=name, files=tuple(paths))
                 for name, paths in by_database.items())


def ask(question: str, read: Callable[[str], str]) -> str:
    return read(question).strip()


def dialog(args: argparse.Namespace, read: Callable[[str], str] = input) -> None:
    """Fill the unset choices of ``args`` from the operator's answers."""
    if args.target is None:
        args.target = ask(f"Target database (comma-separated, at most {MAX_SHOWN}; blank: "
                          "all): ", read)
    if args.logs is None:
        args.logs = ask("Transaction log backup list (files, comma-separated; blank: none): ",
                        read)
    if args.mode is None:
        args.mode = ask("Recovery mode [Loading/Standby/Online]: ", read).lower()
    if args.roll_forward is None:
        args.roll_forward = ask("Roll forward? [Yes/No]: ", read).lower() in ("y", "yes")


def tool_request(args: argparse.Namespace) -> RecoverSqlDatabases:
    args.roll_forward = False if args.no_roll_forward else None
    if args.mode is None or args.logs is None or args.target is None:
        if not sys.stdin.isatty():
            raise usage_error("give -mode (and -logs, -target) when not at a terminal")
        dialog(args)
    if args.roll_forward is None:
        args.roll_forward = True
    mode = MODES.get((args.mode or "").lower())
    if mode is None:
        raise usage_error("the recovery mode is one of Loading, Standby, Online")
    files = split_names(args.logs) if args.roll_forward else ()
    names = split_names(args.target)
    if len(names) > MAX_SHOWN:
        raise usage_error(f"the dialog shows at most {MAX_SHOWN} databases: use drmsqlrecover")
    return build(RecoverSqlDatabases, instance=args.instance, finish=mode,
                 log_list=log_entries(files), targets=names, tool=True)


SQLRECOVERTOOL = AgentEntry(
    name="sqlrecovertool", manual="drmsqlrecovertool",
    summary="recover SQL Server databases (dialog)",
    description="the recovery dialog: target databases, log backup files, recovery mode\n"
                "(Loading, Standby, Online) and roll forward; asked at the terminal unless\n"
                "given as options.",
    commands=(RecoverSqlDatabases,), request=tool_request,
    show=lambda args, outcomes, agent: Shown(recover_lines(), outcomes[0].to_wire()),
    options=(arg("instance", help="the SQL Server instance"),
             opt("target", help="target databases (comma-separated)"),
             opt("logs", help="log backup files to apply, in order (comma-separated)"),
             opt("mode", help="Loading, Standby or Online"),
             flag("no_roll_forward", "Roll forward? No (only the recovery mode is set)")))
