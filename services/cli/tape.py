"""``drmmount``, ``drmumount``, ``drmmediabackup`` and ``drmmediarestore``: the backup server's
S-VOL mounts and its copies to and from tape (spec 08 §3.9, §3.10). Run them on the backup
server (``--host BKServer`` or ``DRM_HOSTNAME``)."""
from __future__ import annotations

import argparse

from events.tape import BackupToTape, MountSvol, UnmountSvol
from services.cli import catalog_layouts, tape_layouts as layout
from services.cli.filesystem_args import add_common, add_deferred, add_parser, build, \
    check_backup_id, check_copy_group, option, reject_deferred, usage_error
from services.cli.filesystem_session import Session, Shown, perform
from services.cli.runtime import command_runner


def register(subparsers) -> None:
    register_mount(subparsers)
    register_umount(subparsers)
    register_media(subparsers, "mediabackup", "drmmediabackup", "BackupToTape",
                   "copy a mounted S-VOL to tape",
                   "copy the S-VOLs of a disk backup (mounted with drmmount) to tape and record a\n"
                   "tape entry with a new backup ID (KAVX0040-I); the ORIGINAL-ID is kept.")
    register_media(subparsers, "mediarestore", "drmmediarestore", "RestoreFromTape",
                   "copy a tape backup back to its S-VOL",
                   "copy a tape backup back to its S-VOLs (mounted with drmmount <tape-ID>) and\n"
                   "record a new disk entry (KAVX0040-I) that replaces the old one on those copy\n"
                   "groups; the ORIGINAL-ID is kept. An expired or deleted tape entry is refused.")


def add_target(parser, verb: str) -> None:
    parser.add_argument("backup_id", nargs="?", help=f"{verb} the S-VOLs of this backup "
                                                     "(disk or tape entry, 10 digits)")
    option(parser, "copy_group", help=f"{verb} one copy group, as <group>,<device>")


def target(args: argparse.Namespace, command: str) -> dict:
    if (args.backup_id is None) == (args.copy_group is None):
        raise usage_error(f"{command} needs exactly one of a backup ID and -copy_group")
    return {"backup_id": check_backup_id(args.backup_id),
            "copy_group": check_copy_group(args.copy_group)}


# -- drmmount / drmumount --------------------------------------------------------------------------
def register_mount(subparsers) -> None:
    parser = add_parser(
        subparsers, "mount", "drmmount", "mount S-VOLs on the backup server",
        "mount the S-VOLs of a backup (locking its copy groups) or of one copy group. A tape\n"
        "entry's S-VOLs are mounted writable, to prepare drmmediarestore. A copy group in\n"
        "PAIR is refused. Expired tape entries are purged first.")
    add_target(parser, "mount")
    option(parser, "mount_pt", help="mount point: for several S-VOLs, a directory under which "
                                    "each gets its own (default: the S-VOL's mount point)")
    add_deferred(parser, ("conf", "force"))
    add_common(parser)
    parser.set_defaults(func=run_mount)


def mount_request(args: argparse.Namespace) -> dict:
    reject_deferred(args)
    if args.mount_pt is not None and (not args.mount_pt.strip() or " " in args.mount_pt):
        raise usage_error("-mount_pt must be a directory name without spaces")
    return build(MountSvol, mount_point=args.mount_pt, **target(args, "drmmount"))


def run_mount(args: argparse.Namespace, connect=command_runner) -> int:
    request = mount_request(args)

    def work(session: Session) -> Shown:
        outcome = session.command("MountSvol", request)
        lines = [line for m in outcome.payload["result"]["mounts"]
                 for line in layout.mounting(m["mount_point"])]
        return Shown(lines, outcome.to_wire())

    return perform(args, "drmmount", work, connect)


def register_umount(subparsers) -> None:
    parser = add_parser(
        subparsers, "umount", "drmumount", "unmount S-VOLs on the backup server",
        "unmount what drmmount mounted, with the same key (backup ID or -copy_group); by\n"
        "backup ID the copy groups the mount locked are unlocked.")
    add_target(parser, "unmount")
    add_common(parser)
    parser.set_defaults(func=run_umount)


def run_umount(args: argparse.Namespace, connect=command_runner) -> int:
    request = build(UnmountSvol, **target(args, "drmumount"))

    def work(session: Session) -> Shown:
        outcome = session.command("UnmountSvol", request)
        lines = [line for m in outcome.payload["result"]["unmounts"]
                 for line in layout.unmounting(m["mount_point"])]
        return Shown(lines, outcome.to_wire())

    return perform(args, "drmumount", work, connect)


# -- drmmediabackup / drmmediarestore --------------------------------------------------------------
def register_media(subparsers, name: str, manual: str, command: str, summary: str,
                   description: str) -> None:
    parser = add_parser(subparsers, name, manual, summary, description)
    parser.add_argument("backup_id", help="the backup ID (10 digits)")
    add_deferred(parser, ("raw", "bup_env"))
    add_common(parser)
    parser.set_defaults(func=lambda args, connect=command_runner:
                        run_media(args, manual, command, connect))


def media_request(args: argparse.Namespace) -> dict:
    reject_deferred(args)
    check_backup_id(args.backup_id)
    return build(BackupToTape, backup_id=args.backup_id)


def run_media(args: argparse.Namespace, manual: str, command: str, connect=command_runner) -> int:
    request = media_request(args)

    def work(session: Session) -> Shown:
        outcome = session.command(command, request)
        result = outcome.payload["result"]
        if command == "BackupToTape":
            lines = [line for source in result["sources"] for line in layout.media_backup(source)]
        else:
            source = ",".join(result["media"])
            lines = [line for target in result["targets"]
                     for line in layout.media_restore(source, target)]
        lines.append(catalog_layouts.backup_assigned(result["backup_id"]))
        return Shown(lines, outcome.to_wire())

    return perform(args, manual, work, connect)
