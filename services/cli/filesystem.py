"""``drmfsbackup``, ``drmfsrestore`` and ``drmfsdisplay``: protect a host's file systems.

Each builds the arguments of ``events.fs_commands`` (so bad input stops here) and sends them to
the host's agent through ``filesystem_session.perform``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from events.fs_commands import BackupFileSystem, DisplayDictionaryMaps, RefreshDictionaryMaps, \
    RestoreFileSystem
from services import messages
from services.cli import catalog_layouts as layout
from services.cli.errors import CliError
from services.cli.filesystem_args import add_common, add_deferred, add_parser, build, \
    check_backup_id, expand_target, option, read_target_file, reject_deferred, split_targets, \
    usage_error
from services.cli.filesystem_session import Session, Shown, perform, query_data
from services.cli.runtime import command_runner
from services.cli.transfer import auto_import_shown

UNKNOWN_MOUNT_POINT = messages.UNKNOWN_OBJECT  # the detail code the agent gives unknown objects
DEFAULT_REMOTE_GENERATION = "remote_0"  # bare -rc: spec 08 §1.8 [INFERRED]
AUTO_IMPORT_KEYS = ("backup_server", "auto_import", "auto_mount")
TARGET_HELP = "a mount point, or a target list file (one mount point per line, # comments)"


def register(subparsers) -> None:
    register_backup(subparsers)
    register_restore(subparsers)
    register_display(subparsers)


# -- drmfsbackup ---------------------------------------------------------------------------------
def register_backup(subparsers) -> None:
    parser = add_parser(
        subparsers, "fsbackup", "drmfsbackup", "back up file systems P-VOL -> S-VOL",
        "back up the file systems at the given mount points to a secondary-volume generation.\n"
        "The agent picks the unlocked generation backed up longest ago (unless -rc names one),\n"
        "resyncs it if it is split, splits it, records a catalog entry and prints its new\n"
        "backup ID (KAVX0040-I). Copy progress is shown on stderr.")
    parser.add_argument("target", help=TARGET_HELP)
    option(parser, "mode", choices=("online", "cold", "vss"), default="online",
           help="online (default): split while mounted; cold: unmount the P-VOL around the "
                "split; vss: not supported yet")
    option(parser, "rc", nargs="?", const=DEFAULT_REMOTE_GENERATION, default=None,
           metavar="GENERATION",
           help="back up to this generation (local_N or remote_N); without a value: "
                f"{DEFAULT_REMOTE_GENERATION}")
    option(parser, "comment", default="", help="backup comment, kept in the catalog")
    parser.add_argument("-s", "--backup-server", dest="s", metavar="BACKUP_SERVER",
                        help="the backup server (with -auto_import: import the entry there)")
    option(parser, "auto_import", action="store_true",
           help="after the backup, send the catalog entry to the -s server's agent and import "
                "it there (KAVX5159-I)")
    option(parser, "auto_mount", nargs="?", const="", default=None, metavar="MOUNT_POINT",
           help="with -auto_import: mount the imported entry's S-VOL on the backup server "
                "(at this mount point, else the one its dictionary map gives)")
    add_deferred(parser, ("script", "svol_check", "pf", "vf"))
    add_common(parser)
    parser.set_defaults(func=run_backup)


def backup_request(args: argparse.Namespace) -> dict:
    reject_deferred(args)
    if args.mode == "vss":
        raise usage_error("the option -mode vss is not supported yet")
    if args.s is not None and not args.auto_import:
        raise usage_error("the option -s is used with -auto_import (-script and -svol_check "
                          "are not supported yet)")
    request = build(BackupFileSystem, targets=expand_target(args.target), mode=args.mode,
                    generation=args.rc, comment=args.comment, backup_server=args.s,
                    auto_import=args.auto_import, auto_mount=args.auto_mount)
    for key in AUTO_IMPORT_KEYS:  # a plain backup sends the same arguments as before -s existed
        if request[key] in (None, False):
            del request[key]
    return request


def run_backup(args: argparse.Namespace, connect=command_runner) -> int:
    request = backup_request(args)

    def work(session: Session) -> Shown:
        outcome = session.command("BackupFileSystem", request)
        shown = Shown([layout.backup_assigned(outcome.payload["result"]["backup_id"])],
                      outcome.to_wire())
        if "import" not in outcome.payload["result"]:
            return shown
        if not args.json:  # the backup ID shows before the wait for the import
            print(shown.lines[0], flush=True)
        lines, imported = auto_import_shown(session, outcome.payload["result"]["import"],
                                            echo=not args.json)
        return Shown(lines, {"backup": shown.data, "import": imported})

    return perform(args, "drmfsbackup", work, connect)


# -- drmfsrestore --------------------------------------------------------------------------------
def register_restore(subparsers) -> None:
    parser = add_parser(
        subparsers, "fsrestore", "drmfsrestore", "restore file systems S-VOL -> P-VOL",
        "restore the file systems of a backup by reverse resync from its S-VOL, then split\n"
        "again. The target copy group must be split (PSUS/SSUS) and related ones PSUS or SMPL.")
    parser.add_argument("backup_id", help="the backup ID to restore (10 digits)")
    option(parser, "resync", action="store_true",
           help="restore by reverse resync S-VOL -> P-VOL (required)")
    option(parser, "target", help="restore only these mount points (comma-separated)")
    parser.add_argument("-f", "--file", dest="target_file",
                        help="restore only the mount points of this target list file")
    option(parser, "force", action="store_true",
           help="restore even if the P-VOL no longer matches what was recorded at backup")
    add_deferred(parser, ("nochk_host", "pf"))
    add_common(parser)
    parser.set_defaults(func=run_restore)


def restore_request(args: argparse.Namespace) -> dict:
    reject_deferred(args)
    check_backup_id(args.backup_id)
    if not args.resync:
        raise usage_error("drmfsrestore restores by reverse resync only: give -resync")
    if args.target is not None and args.target_file is not None:
        raise usage_error("-target and -f cannot be given together")
    targets: tuple[str, ...] = ()
    if args.target is not None:
        targets = split_targets(args.target)
    elif args.target_file is not None:
        targets = read_target_file(Path(args.target_file))
    return build(RestoreFileSystem, backup_id=args.backup_id, targets=targets,
                 force=args.force)


def run_restore(args: argparse.Namespace, connect=command_runner) -> int:
    request = restore_request(args)

    def work(session: Session) -> Shown:
        outcome = session.command("RestoreFileSystem", request)
        return Shown([], outcome.to_wire())

    return perform(args, "drmfsrestore", work, connect)


# -- drmfsdisplay --------------------------------------------------------------------------------
def register_display(subparsers) -> None:
    parser = add_parser(
        subparsers, "fsdisplay", "drmfsdisplay", "show the dictionary maps of file systems",
        "show each mount point of the host with its device and copy groups, as the agent's\n"
        "dictionary maps know them; -refresh rediscovers them from the host first.")
    parser.add_argument("target", nargs="?", help=f"limit the display: {TARGET_HELP}")
    option(parser, "cf", action="store_true", help="add the COPY-FUNC and GENNAME columns")
    option(parser, "refresh", action="store_true",
           help="rediscover mount points, devices and copy groups and record them (KAVX0023-I)")
    add_common(parser)
    parser.set_defaults(func=run_display)


def display_requests(args: argparse.Namespace) -> list[dict]:
    targets = expand_target(args.target) if args.target else (None,)
    return [build(DisplayDictionaryMaps, target=target) for target in targets]


def displayed(session: Session, request: dict):
    """The maps of one target (or all); a named mount point the maps do not know is an error."""
    reply = session.query("DisplayDictionaryMaps", request)
    if request["target"] is not None and not reply.result["volumes"]:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            UNKNOWN_MOUNT_POINT, f"the mount point {request['target']} is not in the "
                                 f"dictionary map (drmfsdisplay -refresh rediscovers it)"))
    return reply


def run_display(args: argparse.Namespace, connect=command_runner) -> int:
    requests = display_requests(args)
    show_maps = not args.refresh or args.cf or args.target is not None

    def work(session: Session) -> Shown:
        lines, data = [], {}
        if args.refresh:
            outcome = session.command("RefreshDictionaryMaps", build(RefreshDictionaryMaps))
            lines.append(layout.maps_updated())
            data["refreshed"] = outcome.to_wire()
        if show_maps:
            replies = [displayed(session, request) for request in requests]
            volumes = [volume for reply in replies for volume in reply.result["volumes"]]
            lines.extend(layout.maps_lines(volumes, args.cf))
            data["maps"] = [query_data(reply) for reply in replies]
        return Shown(lines, data)

    return perform(args, "drmfsdisplay", work, connect)
