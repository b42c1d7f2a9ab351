"""``drmsqlinit``, ``drmsqlbackup``, ``drmsqldisplay`` and ``drmsqlcat``: SQL Server through
the host's agent (spec 05 §2.4, §2.5, §3.1, §3.6, §3.7).

``drmsqlinit <instance>`` asks the manual's four questions (KAVX1100-I, KAVX1101-I,
KAVX1102-I, KAVX1107-I) on the terminal, or takes every answer as an option for scripts
(``-metadir``, ``-vdi_timeout``, ``-undodir``, ``-logdir``: given one, the others are blank/0).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from events.names import MAX_PATH
from events.sql_commands import (BackupSqlServer, DisplaySqlServer, InitSqlServer,
                                 ListSqlCatalog, RefreshSqlMap)
from services import messages
from services.cli import catalog_layouts as layout
from services.cli import sql_layouts
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error
from services.cli.errors import CliError
from services.cli.filesystem import DEFAULT_REMOTE_GENERATION, PF_OPTION
from services.cli.filesystem_args import build
from services.cli.perform import query_data
from services.cli.script_layouts import section_lines, wrapped
from services.cli.sql_args import (check_sql_name, parse_directory, parse_vdi_timeout,
                                   read_database_file, split_databases)
from services.cli.transfer import auto_import_shown
from services.cli.user_script import read_script

MAX_ANSWER = MAX_PATH  # the longest answer is a directory
INIT_OPTIONS = ("metadir", "timeout_seconds", "undodir", "logdir")
QUESTIONS = ((messages.SQL_ASK_METADATA_DIR, "metadir"),
             (messages.SQL_ASK_VDI_TIMEOUT, "timeout_seconds"),
             (messages.SQL_ASK_UNDO_DIR, "undodir"), (messages.SQL_ASK_LOG_BACKUP_DIR, "logdir"))


# -- drmsqlinit -----------------------------------------------------------------------------------
def ask(message_id: str) -> str:
    print(messages.line(message_id), end=" ", flush=True)
    try:
        answer = sys.stdin.readline(MAX_ANSWER + 1)  # bounded: stdin may be /dev/zero
    except (OSError, ValueError):
        answer = ""
    if not answer:
        raise usage_error("drmsqlinit: no answer on standard input (give the answers as "
                          "options: -metadir, -vdi_timeout, -undodir, -logdir)")
    if len(answer.rstrip("\n")) > MAX_ANSWER:
        raise usage_error(f"drmsqlinit: an answer longer than {MAX_ANSWER} characters")
    return answer.rstrip("\n")


def init_request(args: argparse.Namespace) -> InitSqlServer:
    instance = check_sql_name(args.instance, "instance")
    answers = {name: getattr(args, name) for name in INIT_OPTIONS}
    if all(value is None for value in answers.values()):
        answers = {name: ask(message_id) for message_id, name in QUESTIONS}
    return build(InitSqlServer, instance=instance,
                 metadata_dir=parse_directory(answers["metadir"] or "", "VDI metafile directory"),
                 vdi_timeout=parse_vdi_timeout(answers["timeout_seconds"] or "0"),
                 undo_dir=parse_directory(answers["undodir"] or "", "undo file directory"),
                 log_backup_dir=parse_directory(answers["logdir"] or "", "log backup directory"))


SQLINIT = AgentEntry(
    name="sqlinit", manual="drmsqlinit", summary="register an SQL Server instance's settings",
    description="register the VDI metafile directory (blank: beside the data files, on the "
                "P-VOL), the VDI\ngeneration timeout (0-3600 s), the undo file directory and "
                "the transaction log backup\ndirectory of an instance (KAVX1103-I). Asks on the "
                "terminal unless options give them.",
    commands=(InitSqlServer,), request=init_request,
    show=lambda args, outcomes, agent: Shown([messages.line(messages.SQL_SETTINGS_UPDATED)],
                                             outcomes[0].to_wire()),
    options=(arg("instance", help="the SQL Server instance (DEFAULT: the default instance)"),
             opt("metadir", help="VDI metafile directory (blank: not registered)"),
             opt("vdi_timeout", dest="timeout_seconds", metavar="SECONDS",
                 help="VDI generation timeout, 0-3600 seconds"),
             opt("undodir", help="undo file directory"),
             opt("logdir", help="transaction log backup directory")),
    framed=False)


# -- drmsqlbackup ---------------------------------------------------------------------------------
def targets_of(args: argparse.Namespace) -> tuple[str, ...]:
    given = [n for n in ("system", "target", "target_file") if getattr(args, n)]
    if len(given) > 1:
        raise usage_error("give at most one of -system, -target and -f")
    if args.target:
        return split_databases(args.target)
    if args.target_file:
        return read_database_file(Path(args.target_file))
    return ()


def backup_command(args: argparse.Namespace, instance: str, targets=None) -> BackupSqlServer:
    """drmsqlbackup (and EX_DRM_SQL_BACKUP, with the operation's instance and targets)."""
    targets = targets_of(args) if targets is None else targets
    script = read_script(Path(args.script)) if getattr(args, "script", None) else None
    if script is not None and script.has_remote and args.s is None:
        raise usage_error("the user script has LOCATION=REMOTE commands: give -s "
                          "<backup-server>")
    if args.s is not None and not args.auto_import and not (script and script.has_remote):
        raise usage_error("the option -s is used with -auto_import or a user script with "
                          "LOCATION=REMOTE commands")
    return build(BackupSqlServer, instance=check_sql_name(instance, "instance"),
                 system=args.system, targets=targets, generation=args.rc,
                 comment=args.comment, template=getattr(args, "template", False),
                 backup_server=args.s, auto_import=args.auto_import, auto_mount=args.auto_mount,
                 copy_parameters=args.pf, script=script)


BACKUP_PROGRESS_SHOWN = (messages.SQL_COLLECTING, messages.SQL_BACKING_UP)
"""The progress lines drmsqlbackup's output holds itself (``backup_shown``; EX_DRM_SQL_BACKUP's
``MSG_OUTPUT=DETAIL`` block too)."""


def backup_lines(result: dict) -> list[str]:
    if result.get("template"):
        return [messages.line(messages.SQL_TEMPLATE_MAKING),
                sql_layouts.template_assigned(result["backup_id"])]
    sections = [line for section in result.get("script_sections") or ()
                for line in section_lines(section)]
    return [messages.line(messages.SQL_BACKING_UP), *sections,
            layout.backup_assigned(result["backup_id"])]


def backup_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    result = outcome.payload["result"]
    lines = [messages.line(messages.SQL_COLLECTING), *wrapped(result, backup_lines(result))]
    if "import" not in result:
        return Shown(lines, outcome.to_wire())
    more, imported = auto_import_shown(agent, result["import"], echo=False)
    return Shown(lines + more, {"backup": outcome.to_wire(), "import": imported})


BACKUP_OPTIONS = (
    flag("system", "also back up the system databases master, model and msdb"),
    opt("rc", nargs="?", const=DEFAULT_REMOTE_GENERATION, default=None, metavar="GENERATION",
        help="back up to this generation (local_N or remote_N)"),
    opt("comment", default="", help="backup comment (DRMENV_COMMENT in user scripts)"),
    opt("script", metavar="USER_SCRIPT_FILE",
        help="user script: [PRE_PROC], [RESYNC_PROC], [SPLIT_PROC] (frozen), [FINISH_PROC], "
             "[POST_PROC]"),
    opt("backup_server", short="s", dest="s", metavar="BACKUP_SERVER",
        help="the backup server (-auto_import, LOCATION=REMOTE script commands)"),
    flag("auto_import", "import the catalog entry on the -s server after the backup"),
    opt("auto_mount", nargs="?", const="", default=None, metavar="MOUNT_POINT",
        help="with -auto_import: mount the imported entry's S-VOL there"),
    PF_OPTION)

SQLBACKUP = AgentEntry(
    name="sqlbackup", manual="drmsqlbackup", summary="back up SQL Server databases online",
    description="freeze the databases (VDI), split every copy group holding their files, thaw "
                "them and\nrecord a catalog entry with the VDI metafiles (KAVX0040-I). User "
                "databases unless\n-system or -target/-f; every database on a volume backed up "
                "must be named.\n-template records a template catalog entry and backs up "
                "nothing (KAVX0086-I).",
    commands=(BackupSqlServer,),
    request=lambda args: backup_command(args, args.instance), show=backup_shown,
    progress_shown=BACKUP_PROGRESS_SHOWN,
    options=(arg("instance", help="the SQL Server instance (DEFAULT: the default instance)"),
             opt("target", help="these databases (comma-separated)"),
             opt("file", short="f", dest="target_file",
                 help="the databases of this target definition file (one per line)"),
             flag("template", "record a template catalog entry, back up nothing"),
             *BACKUP_OPTIONS),
    deferred=("svol_check",))


# -- drmsqlcat -------------------------------------------------------------------------------------
def sqlcat_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [reply] = outcomes
    entries = reply.result["entries"]
    if not entries:
        raise CliError(layout.NO_BACKUP_DATA, layout.no_backup_data())
    return Shown(sql_layouts.sqlcat_lines(args.instance, entries), query_data(reply))


SQLCAT = AgentEntry(
    name="sqlcat", manual="drmsqlcat", summary="list the SQL Server backup catalog",
    description="list the catalog entries of an instance (-template: its template entries), "
                "with the\nVDI metafile (M), data file (D) and log file (T) rows. KAVX0024-E "
                "when there is none.",
    commands=(ListSqlCatalog,),
    request=lambda args: build(ListSqlCatalog, instance=check_sql_name(args.instance,
                                                                       "instance"),
                               template=args.template),
    show=sqlcat_shown,
    options=(arg("instance", help="the SQL Server instance"),
             flag("template", "list the template catalog entries")))


# -- drmsqldisplay ---------------------------------------------------------------------------------
def display_request(args: argparse.Namespace) -> list:
    instance = check_sql_name(args.instance, "instance") if args.instance else None
    commands: list = [build(RefreshSqlMap, instance=instance)] if args.refresh else []
    return commands + [build(DisplaySqlServer, instance=instance)]


def display_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    lines, data = [], {}
    if args.refresh:
        refreshed, *outcomes = outcomes
        lines.append(layout.maps_updated())
        data["refreshed"] = refreshed.to_wire()
    [reply] = outcomes
    instances = reply.result["instances"]
    if args.instance and not instances:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.SQL_UNKNOWN, f"the instance {args.instance} is not in the dictionary map "
                                  "(drmsqldisplay -refresh adds it)"))
    if not args.refresh or args.cf or args.remote or args.instance:
        lines += sql_layouts.display_lines(instances, args.cf, args.remote)
    data["display"] = query_data(reply)
    return Shown(lines, data)


SQLDISPLAY = AgentEntry(
    name="sqldisplay", manual="drmsqldisplay", summary="show or refresh the SQL Server map",
    description="show each database of an instance with its files, mount points and copy "
                "groups, as\nthe dictionary map holds them; -refresh reads the instance (and "
                "the file systems)\nagain first (KAVX0023-I); -cf adds COPY-FUNC and GEN-NAME; "
                "-remote the pair topology.",
    commands=(RefreshSqlMap, DisplaySqlServer), request=display_request, show=display_shown,
    options=(arg("instance", nargs="?", default=None, help="the SQL Server instance"),
             flag("refresh", "update the dictionary map from the instance first"),
             flag("cf", "add the COPY-FUNC and GEN-NAME columns"),
             flag("remote", "show the local and remote pairs of each file")))
