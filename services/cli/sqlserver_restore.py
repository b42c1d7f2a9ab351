"""``drmsqlrestore``, ``drmsqlrecover``, ``drmsqlrecovertool`` and ``drmsqllogbackup``: restore
SQL Server databases, roll their logs forward and back their logs up (spec 05 §3.2-3.5).

Each entry builds its typed command of ``events.sql_restore`` (bad input stops here) and shows
the manual's lines. ``drmsqllogbackup -v`` prints a transaction log list file
(``events.sql_log_list``) that ``drmsqlrecover -transact_log_list`` reads back, the command's
own ``KAVX0001-I``/``KAVX0002-I`` lines included (the reader skips them).
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from adapters.files import read_text_limited
from events.sql_log_list import MAX_BYTES, LogListError, LogListSection, parse, render
from events.sql_restore import (BackupSqlLogs, DeleteSqlLogInfo, ListSqlLogBackups,
                                LogListEntry, RecoverSqlDatabases, RestoreSqlDatabases)
from services import messages
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error
from services.cli.filesystem_args import build, check_backup_id

NO_CAT_ID = "0000000000"  # the list file's original ID of -no_cat log backups


def split_names(value: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (value or "").split(",") if n.strip())


def given_names(value: str | None, option: str = "-target") -> tuple[str, ...]:
    """An option's database names: ``()`` when the option is absent (every database), a usage
    error when it is given but names none (``-target ""`` or ``,,`` would else mean all)."""
    names = split_names(value)
    if value is not None and not names:
        raise usage_error(f"{option} names no database")
    return names


def read_names_file(path: str) -> tuple[str, ...]:
    """A ``-f`` target file: one database name a line, ``#`` comments."""
    try:
        text = read_text_limited(Path(path), 1024 * 1024, "target definition file")
    except (OSError, ValueError) as error:
        raise usage_error(str(error)) from None
    names = tuple(line.strip() for line in text.splitlines()
                  if line.strip() and not line.strip().startswith("#"))
    if not names:
        raise usage_error(f"the target definition file {path} names no database")
    return names


def targets(args: argparse.Namespace) -> tuple[str, ...]:
    if getattr(args, "target", None) and getattr(args, "target_file", None):
        raise usage_error("-target and -f cannot be given together")
    if getattr(args, "target_file", None):
        return read_names_file(args.target_file)
    return given_names(getattr(args, "target", None))


# -- drmsqlrestore -------------------------------------------------------------------------------
def restore_command(args: argparse.Namespace, backup_id: str) -> RestoreSqlDatabases:
    if args.resync == args.no_resync:
        raise usage_error("give exactly one of -resync and -no_resync")
    return build(RestoreSqlDatabases, backup_id=backup_id, resync=args.resync, undo=args.undo,
                 nochk_host=args.nochk_host, template=getattr(args, "template", False),
                 targets=targets(args), instance=getattr(args, "instance", None))


def restore_request(args: argparse.Namespace) -> RestoreSqlDatabases:
    check_backup_id(args.backup_id)
    return restore_command(args, args.backup_id)


def restore_lines() -> list[str]:
    line = messages.line
    return [line(messages.SQL_RESTORE_PRE), line(messages.SQL_LOGGED_ON),
            line(messages.SQL_RESTORE_START), line(messages.SQL_LOGGED_ON),
            line(messages.SQL_RESTORE_END), line(messages.SQL_RESTORE_POST),
            line(messages.SQL_LOGGED_OFF)]


RESTORE_OPTIONS = (
    flag("resync", "restore by reverse resync of the S-VOL to the P-VOL"),
    flag("no_resync", "no volume copy: the data is in place already; apply the VDI metafiles"),
    flag("undo", "leave the databases in standby (read-only); needs the undo directory"),
    flag("nochk_host", "restore a backup made on another host"))

SQLRESTORE = AgentEntry(
    name="sqlrestore", manual="drmsqlrestore", summary="restore SQL Server databases",
    description="restore the databases of a SQL Server backup (reverse resync, or none with\n"
                "-no_resync) and apply their VDI metafiles; they are left loading (standby\n"
                "with -undo) for drmsqlrecover.",
    commands=(RestoreSqlDatabases,), request=restore_request,
    show=lambda args, outcomes, agent: Shown(restore_lines(), outcomes[0].to_wire()),
    options=(arg("backup_id", help="the backup ID to restore (10 digits)"), *RESTORE_OPTIONS,
             flag("template", "the backup ID is a template catalog entry"),
             opt("target", help="restore only these databases (comma-separated)"),
             opt("file", short="f", dest="target_file",
                 help="restore only the databases of this file (one a line)"),
             opt("instance", help="restore into this other instance (user databases only)")))


# -- drmsqlrecover -------------------------------------------------------------------------------
def read_log_list(path: str) -> tuple[LogListEntry, ...]:
    try:
        text = read_text_limited(Path(path), MAX_BYTES, "transaction log list file")
        sections = parse(text)
    except (OSError, ValueError) as error:
        raise usage_error(f"{path}: {error}") from None
    return tuple(build(LogListEntry, original_id=s.original_id, backup_id=s.backup_id,
                       database=s.database, files=s.files) for s in sections)


def recover_request(args: argparse.Namespace) -> RecoverSqlDatabases:
    if args.undo and args.loading:
        raise usage_error("-undo and -loading cannot be given together")
    finish = "standby" if args.undo else "loading" if args.loading else "online"
    lists = read_log_list(args.transact_log_list) if args.transact_log_list else ()
    return build(RecoverSqlDatabases, instance=args.instance, finish=finish, log_list=lists,
                 targets=given_names(args.target))


def recover_lines() -> list[str]:
    return [messages.line(messages.SQL_RECOVERY_START), messages.line(messages.SQL_RECOVERY_END)]


SQLRECOVER = AgentEntry(
    name="sqlrecover", manual="drmsqlrecover", summary="recover restored SQL Server databases",
    description="roll the logs of a transaction log list file forward and leave the databases\n"
                "online (standby with -undo, loading with -loading).",
    commands=(RecoverSqlDatabases,), request=recover_request,
    show=lambda args, outcomes, agent: Shown(recover_lines(), outcomes[0].to_wire()),
    options=(arg("instance", help="the SQL Server instance"),
             flag("undo", "leave the databases in standby (read-only)"),
             flag("loading", "leave the databases loading, to apply more logs later"),
             opt("transact_log_list", help="a transaction log list file (drmsqllogbackup -v)"),
             opt("target", help="recover only these databases (comma-separated)")))


# -- drmsqllogbackup -----------------------------------------------------------------------------
def log_request(args: argparse.Namespace):
    spec = args.instance
    key: dict = {}
    if spec.startswith("0:"):
        key = {"original_id": check_backup_id(spec[2:])}
    elif re.fullmatch(r"[0-9]{10}", spec):
        key = {"backup_id": spec}
    if args.d:
        if not key:
            raise usage_error("-d needs 0:<original-ID> or a backup ID")
        return build(DeleteSqlLogInfo, **key)
    if args.v is not None:
        if args.v not in ("", "BACKUP-ID"):
            raise usage_error(f"-v takes no value but BACKUP-ID, not {args.v!r}")
        return build(ListSqlLogBackups, instance=None if key else spec, **key,
                     targets=given_names(args.target), start_points=args.v == "BACKUP-ID")
    if key:
        raise usage_error("a log backup names its instance: 0:<original-ID> is for -v and -d")
    if args.no_truncate and args.no_cat:
        raise usage_error("-no_truncate and -no_cat cannot be given together")
    return build(BackupSqlLogs, instance=spec, truncate=not args.no_truncate,
                 no_cat=args.no_cat, targets=given_names(args.target))


def list_file_text(result: dict) -> str:
    return render([LogListSection(s["original_id"] or NO_CAT_ID, s["backup_id"], s["database"],
                                  tuple(s["files"])) for s in result["sections"]])


def log_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    if args.v is None:
        return Shown([], outcome.to_wire())
    result = outcome.result
    if "start_points" in result:
        rows = [f"{p['original_id']} {p['backup_id'] or '-'} {p['database']}"
                for p in result["start_points"]]
        return Shown(["ORIGINAL-ID BACKUP_ID DB", *rows], result)
    try:
        return Shown(list_file_text(result).splitlines(), result)
    except (LogListError, ValueError) as error:
        raise usage_error(f"a log backup cannot be listed: {error}") from None


SQLLOGBACKUP = AgentEntry(
    name="sqllogbackup", manual="drmsqllogbackup", summary="back up SQL Server logs",
    description="back up the transaction logs of an instance's databases (chained to its\n"
                "latest backup), or -v: list them as a transaction log list file, or\n"
                "0:<original-ID> -d: delete the log backup information of a backup.",
    commands=(BackupSqlLogs, ListSqlLogBackups, DeleteSqlLogInfo), request=log_request,
    show=log_shown,
    options=(arg("instance", help="the instance, or 0:<original-ID> (or a backup ID) with "
                                  "-v/-d"),
             flag("no_truncate", "tail-log backup without truncation (a damaged database)"),
             flag("no_cat", "log backup when no backup catalog exists"),
             opt("target", help="only this database (comma-separated for several)"),
             opt("v", nargs="?", const="", default=None, metavar="BACKUP-ID",
                 help="list the log backups (with the word BACKUP-ID: their start points)"),
             flag("d", "delete the log backup information (with 0:<original-ID>)")))
