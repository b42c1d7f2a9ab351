"""``drmresync`` and ``drmcgctl``: resynchronise copy groups, list and lock them."""
from __future__ import annotations

import argparse

from events.fs_commands import ListCopyGroups, ResyncCopyGroups, SetCopyGroupLock
from services.cli import catalog_layouts as layout
from services.cli.filesystem_args import add_common, add_deferred, add_parser, build, \
    check_backup_id, check_copy_group, exactly_one, option, reject_deferred, usage_error
from services.cli.filesystem_session import Session, Shown, perform, query_data
from services.cli.runtime import command_runner

TARGETS = ("backup_id", "copy_group")


def register(subparsers) -> None:
    register_resync(subparsers)
    register_cgctl(subparsers)


def add_targets(parser) -> None:
    option(parser, "backup_id", help="the copy groups of this backup (10 digits)")
    option(parser, "copy_group", help="one copy group, as <group>,<device> (VG01,VOL01)")


def checked_targets(args: argparse.Namespace) -> dict:
    return {"backup_id": check_backup_id(args.backup_id),
            "copy_group": check_copy_group(args.copy_group)}


# -- drmresync -----------------------------------------------------------------------------------
def register_resync(subparsers) -> None:
    parser = add_parser(
        subparsers, "resync", "drmresync", "resynchronise copy groups P-VOL -> S-VOL",
        "resynchronise the copy groups of a backup (or one copy group) and delete the catalog\n"
        "entry that lived on them: the S-VOL data is lost. Copy progress is shown on stderr.")
    add_targets(parser)
    add_deferred(parser, ("cg_file", "copy_size", "pf"))
    add_common(parser)
    parser.set_defaults(func=run_resync)


def resync_request(args: argparse.Namespace) -> dict:
    reject_deferred(args)
    exactly_one(args, TARGETS, "drmresync")
    return build(ResyncCopyGroups, **checked_targets(args))


def run_resync(args: argparse.Namespace, connect=command_runner) -> int:
    request = resync_request(args)

    def work(session: Session) -> Shown:
        outcome = session.command("ResyncCopyGroups", request)
        return Shown([], outcome.to_wire())

    return perform(args, "drmresync", work, connect)


# -- drmcgctl ------------------------------------------------------------------------------------
def register_cgctl(subparsers) -> None:
    parser = add_parser(
        subparsers, "cgctl", "drmcgctl", "list, lock or unlock copy groups",
        "without options, list every copy group with its lock status and the backup ID it\n"
        "holds. With -backup_id or -copy_group and -mode, lock the copy groups (backups skip\n"
        "them: KAVX0302-I) or unlock them (back into rotation: KAVX0303-I). Locks are per host.")
    add_targets(parser)
    option(parser, "mode", choices=("lock", "unlock"), help="lock or unlock")
    add_common(parser)
    parser.set_defaults(func=run_cgctl)


def cgctl_request(args: argparse.Namespace) -> dict:
    targeted = args.backup_id is not None or args.copy_group is not None
    if args.mode is None:
        if targeted:
            raise usage_error("-backup_id or -copy_group needs -mode lock or -mode unlock")
        return build(ListCopyGroups)
    exactly_one(args, TARGETS, "drmcgctl -mode")
    return build(SetCopyGroupLock, mode=args.mode, **checked_targets(args))


def run_cgctl(args: argparse.Namespace, connect=command_runner) -> int:
    request = cgctl_request(args)

    def change(session: Session) -> Shown:
        outcome = session.command("SetCopyGroupLock", request)
        message = layout.lock_changed(args.mode)
        return Shown([message], outcome.to_wire())

    def listing(session: Session) -> Shown:
        reply = session.query("ListCopyGroups", request)
        return Shown(layout.copy_group_lines(reply.result["copy_groups"]), query_data(reply))

    return perform(args, "drmcgctl", change if args.mode else listing, connect)
