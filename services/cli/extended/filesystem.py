"""The extended commands of file systems and the common ones (Tables 4-1, 4-2):
``EX_DRM_FS_BACKUP``, ``EX_DRM_FS_RESTORE``, ``EX_DRM_BACKUPID_SET``, ``EX_DRM_RESYNC``,
``EX_DRM_DB_EXPORT``, ``EX_DRM_DB_IMPORT``.

The backup ID file is the baton between them (spec 04 §10.8): ``EX_DRM_FS_BACKUP``,
``EX_DRM_DB_IMPORT``, ``EX_DRM_BACKUPID_SET`` (and ``EX_DRM_TAPE_RESTORE``) write it;
``EX_DRM_FS_RESTORE``, ``EX_DRM_DB_EXPORT`` and the mounts read it. With ``MSG_OUTPUT=DETAIL``
in ``host.dat`` the basic commands' lines are printed between ``KAVX0450-I`` and ``KAVX0451-I``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from events.export_document import encode_document, read_document
from events.extended import SetOperationBackupId
from events.fs_commands import BackupFileSystem, ResyncCopyGroups, RestoreFileSystem
from events.transfer import ExportBackup, ImportBackup
from services import messages
from services.cli import catalog_layouts as layout
from services.cli.entries import Shown, flag, opt, usage_error
from services.cli.extended.entry import ANY_OBJECT, ExtendedEntry
from services.cli.extended.operation import Operation, operation_error, write_whole
from events.definitions import FileDigest
from services.cli.copy_groups import read_cg_file
from services.cli.filesystem import (DEFAULT_REMOTE_GENERATION, PF_OPTION, backup_command,
                                     restore_targets)
from services.cli.script_layouts import wrapped
from services.cli.filesystem_args import (build, check_backup_id, check_copy_group,
                                          read_target_file)
from services.cli.transfer import auto_import_shown, imported_lines, read_file


def detail(operation: Operation, manual: str, lines: list[str]) -> list[str]:
    """The basic command's lines as it prints them, with ``MSG_OUTPUT=DETAIL`` only."""
    if operation.msg_output != "DETAIL":
        return []
    return [messages.start_line(manual), *lines, messages.end_line(manual)]


def shown(lines: list[str], **data) -> Shown:
    return Shown(lines, data)


def targets_of(operation: Operation) -> tuple[str, ...]:
    """``INSTANCE_NAME``: a mount point, or the name of a mount point directory list file in
    the host's ``conf/fs``."""
    definition = operation.definition
    if definition.instance_is_list_file:
        return read_target_file(operation.layout.fs_lists / definition.instance_name)
    return (definition.instance_name.rstrip("/") or definition.instance_name,)


# -- EX_DRM_FS_BACKUP ------------------------------------------------------------------------------
def fs_backup(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    command = backup_command(args, targets_of(operation))
    outcome = agent.ask(command)
    result = outcome.payload["result"]
    operation.write_backup_id(result["backup_id"])
    lines = [layout.backup_assigned(result["backup_id"])]
    data = {"backup_id": result["backup_id"], "backup": outcome.to_wire()}
    if "import" in result:
        more, data["import"] = auto_import_shown(agent, result["import"], echo=False)
        lines += more
    return shown(detail(operation, "drmfsbackup", wrapped(result, lines)), **data)


def script_records(shown: Shown) -> list[tuple[str, str]]:
    """``drm_script.log``'s records of the user script's commands (spec 07 §1.4: a command
    other than the product's started, ended normally, or failed)."""
    script = shown.data.get("backup", {}).get("payload", {}).get("result", {}).get("script")
    records = []
    for section in ((script or {}).get("pre"), (script or {}).get("post")):
        for command in (section or {}).get("commands", ()):
            where = f"Host name = {command['host']} Command line = {command['cmdline']}"
            records.append(("INFO", messages.line(messages.SCRIPT_COMMAND_START, where)))
            code = command.get("return_code")
            ended = messages.line(messages.SCRIPT_COMMAND_END,
                                  f"End code = {'-' if code is None else code}")
            records.append(("INFO" if code == 0 else "ERROR", ended))
    return records


EX_DRM_FS_BACKUP = ExtendedEntry(
    name="EX_DRM_FS_BACKUP", summary="back up the operation's file system P-VOL -> S-VOL",
    description="run drmfsbackup for the operation's INSTANCE_NAME and write the new backup "
                "ID to\nthe operation's backup ID file (<temporary directory>/<op>.bid).",
    commands=(BackupFileSystem,), steps=fs_backup, records=script_records,
    options=(
        opt("mode", choices=("online", "cold", "vss"), default="online",
            help="online (default) or cold; vss is not supported"),
        opt("rc", nargs="?", const=DEFAULT_REMOTE_GENERATION, default=None,
            metavar="GENERATION", help="back up to this generation (local_N or remote_N)"),
        opt("comment", default="", help="backup comment (DRMENV_COMMENT in user scripts)"),
        opt("script", metavar="USER_SCRIPT_FILE", help="user script: [PRE_PROC]/[POST_PROC]"),
        opt("backup_server", short="s", dest="s", metavar="BACKUP_SERVER",
            help="the backup server (auto-import, LOCATION=REMOTE script commands)"),
        flag("auto_import", "import the catalog entry on the -s server after the backup"),
        opt("auto_mount", nargs="?", const="", default=None, metavar="MOUNT_POINT",
            help="with -auto_import: mount the imported entry's S-VOL there"),
        PF_OPTION),
    backup_object="FILESYSTEM")


# -- EX_DRM_FS_RESTORE -----------------------------------------------------------------------------
def fs_restore(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    targets = restore_targets(args, "EX_DRM_FS_RESTORE")
    backup_id = operation.read_backup_id()
    outcome = agent.ask(build(RestoreFileSystem, backup_id=backup_id, targets=targets,
                              force=args.force, copy_parameters=args.pf))
    return shown(detail(operation, "drmfsrestore", []), backup_id=backup_id,
                 restore=outcome.to_wire())


EX_DRM_FS_RESTORE = ExtendedEntry(
    name="EX_DRM_FS_RESTORE", summary="restore the backup of the operation's backup ID file",
    description="run drmfsrestore -resync for the backup ID in the operation's backup ID file.",
    commands=(RestoreFileSystem,), steps=fs_restore,
    options=(flag("resync", "restore by reverse resync S-VOL -> P-VOL (required)"),
             opt("target", help="restore only these mount points (comma-separated)"),
             opt("file", short="f", dest="target_file", help="a target list file"),
             flag("force", "restore even if the P-VOL changed since the backup"),
             flag("nochk_host", "accepted; the host name is not checked here"), PF_OPTION),
    backup_object="FILESYSTEM")


# -- EX_DRM_BACKUPID_SET ---------------------------------------------------------------------------
def backup_id_set(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    if args.backup_id is None:
        raise usage_error("EX_DRM_BACKUPID_SET needs -backup_id <backup-ID>")
    check_backup_id(args.backup_id)
    outcome = agent.ask(build(SetOperationBackupId, backup_id=args.backup_id))
    operation.write_backup_id(args.backup_id)
    return shown([], backup_id=args.backup_id, file=str(operation.bid_file),
                 event=outcome.to_wire())


EX_DRM_BACKUPID_SET = ExtendedEntry(
    name="EX_DRM_BACKUPID_SET", summary="write the operation's backup ID file",
    description="check that the backup ID is in this host's catalog (disk or tape) and write "
                "it to\nthe operation's backup ID file, for EX_DRM_FS_RESTORE and the others.",
    commands=(SetOperationBackupId,), steps=backup_id_set,
    options=(opt("backup_id", help="the backup ID (10 digits)"),), backup_object=ANY_OBJECT)


# -- EX_DRM_RESYNC ---------------------------------------------------------------------------------
def copy_groups_of(args: argparse.Namespace) -> tuple[tuple[str, ...], FileDigest | None]:
    """``-cg`` or ``-cg_file`` (a copy-group list file, read as ``drmresync -cg_file``
    reads it), else nothing: the copy groups and the list file's digest."""
    if args.cg is not None and args.cg_file is not None:
        raise usage_error("-cg and -cg_file cannot be given together")
    if args.cg is not None:
        return (check_copy_group(args.cg),), None
    if args.cg_file is None:
        return (), None
    listed = read_cg_file(Path(args.cg_file))
    return tuple(listed.copy_groups), FileDigest(file=listed.file, digest=listed.digest)


def copy_size(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 15:
        raise usage_error("-copy_size must be 1-15")
    return int(value)


def resync(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    groups, listed = copy_groups_of(args)
    pace = {"copy_size": args.copy_size, "copy_parameters": args.pf}
    commands = ([build(ResyncCopyGroups, copy_group=g, copy_group_list=listed, **pace)
                 for g in groups] if groups else
                [build(ResyncCopyGroups, backup_id=operation.read_backup_id(), **pace)])
    outcomes = [agent.ask(command).to_wire() for command in commands]
    return shown(detail(operation, "drmresync", []), resyncs=outcomes)


EX_DRM_RESYNC = ExtendedEntry(
    name="EX_DRM_RESYNC", summary="resynchronize the operation's copy groups",
    description="run drmresync: for -cg/-cg_file those copy groups (always-split operation), "
                "else\nthe copy groups of the backup in the backup ID file (always-paired).",
    commands=(ResyncCopyGroups,), steps=resync,
    options=(opt("cg", metavar="COPY_GROUP", help="the copy group, as <group>,<device>"),
             opt("cg_file", metavar="FILE", help="a copy-group list file"),
             opt("copy_size", type=copy_size, metavar="1-15",
                 help="copy pace of this resync (before DRM_COPY_SIZE and DEFAULT.dat)"),
             PF_OPTION), backup_object=ANY_OBJECT)


# -- EX_DRM_DB_EXPORT / EX_DRM_DB_IMPORT -----------------------------------------------------------
def db_export(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    backup_id = operation.read_backup_id()
    outcome = agent.ask(build(ExportBackup, backup_id=backup_id))
    document = read_document(outcome.payload["result"]["document"])
    write_whole(operation.export_file, encode_document(document))  # one generation: replaced
    return shown(detail(operation, "drmdbexport", []), backup_id=backup_id,
                 file=str(operation.export_file), export=outcome.to_wire())


EX_DRM_DB_EXPORT = ExtendedEntry(
    name="EX_DRM_DB_EXPORT", summary="export the backup of the backup ID file to <op>.drm",
    description="run drmdbexport for the backup ID in the operation's backup ID file; the "
                "export\nfile <op>.drm in the temporary directory holds one generation.",
    commands=(ExportBackup,), steps=db_export, backup_object=ANY_OBJECT)


def db_import(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    if not operation.export_file.is_file():
        raise operation_error(f"the export file {operation.export_file} does not exist")
    outcome = agent.ask(build(ImportBackup, document=read_file(operation.export_file)))
    backup_id = outcome.payload["result"]["backup_id"]
    operation.write_backup_id(backup_id)
    return shown(detail(operation, "drmdbimport", imported_lines(backup_id)),
                 backup_id=backup_id, imported=outcome.to_wire())


EX_DRM_DB_IMPORT = ExtendedEntry(
    name="EX_DRM_DB_IMPORT", summary="import <op>.drm and write the new backup ID",
    description="run drmdbimport on the export file in the temporary directory and write the "
                "new\nlocal backup ID to the operation's backup ID file.",
    commands=(ImportBackup,), steps=db_import, backup_object=ANY_OBJECT)
