"""``drmresync`` and ``drmcgctl``: resynchronise copy groups, list and lock them."""
from __future__ import annotations

import argparse

from events.fs_commands import ListCopyGroups, ResyncCopyGroups, SetCopyGroupLock
from services.cli import catalog_layouts as layout
from services.cli.entries import AgentEntry, Shown, opt, usage_error
from services.cli.filesystem_args import build, check_backup_id, check_copy_group, exactly_one
from services.cli.perform import query_data

TARGETS = ("backup_id", "copy_group")
TARGET_OPTIONS = (opt("backup_id", help="the copy groups of this backup (10 digits)"),
                  opt("copy_group", help="one copy group, as <group>,<device> (VG01,VOL01)"))


def checked_targets(args: argparse.Namespace) -> dict:
    return {"backup_id": check_backup_id(args.backup_id),
            "copy_group": check_copy_group(args.copy_group)}


# -- drmresync -----------------------------------------------------------------------------------
def resync_request(args: argparse.Namespace) -> ResyncCopyGroups:
    exactly_one(args, TARGETS, "drmresync")
    return build(ResyncCopyGroups, **checked_targets(args))


RESYNC = AgentEntry(
    name="resync", manual="drmresync", summary="resynchronise copy groups P-VOL -> S-VOL",
    description="resynchronise the copy groups of a backup (or one copy group) and delete the "
                "catalog\nentry that lived on them: the S-VOL data is lost. Copy progress is "
                "shown on stderr.",
    commands=(ResyncCopyGroups,), request=resync_request,
    show=lambda args, outcomes, agent: Shown([], outcomes[0].to_wire()),
    options=TARGET_OPTIONS, deferred=("cg_file", "copy_size", "pf"))


# -- drmcgctl ------------------------------------------------------------------------------------
def cgctl_request(args: argparse.Namespace) -> ListCopyGroups | SetCopyGroupLock:
    targeted = args.backup_id is not None or args.copy_group is not None
    if args.mode is None:
        if targeted:
            raise usage_error("-backup_id or -copy_group needs -mode lock or -mode unlock")
        return build(ListCopyGroups)
    exactly_one(args, TARGETS, "drmcgctl -mode")
    return build(SetCopyGroupLock, mode=args.mode, **checked_targets(args))


def cgctl_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    if args.mode:
        message = layout.lock_changed(args.mode)
        return Shown([message], outcome.to_wire())
    return Shown(layout.copy_group_lines(outcome.result["copy_groups"]), query_data(outcome))


CGCTL = AgentEntry(
    name="cgctl", manual="drmcgctl", summary="list, lock or unlock copy groups",
    description="without options, list every copy group with its lock status and the backup "
                "ID it\nholds. With -backup_id or -copy_group and -mode, lock the copy groups "
                "(backups skip\nthem: KAVX0302-I) or unlock them (back into rotation: "
                "KAVX0303-I). Locks are per host.",
    commands=(ListCopyGroups, SetCopyGroupLock), request=cgctl_request, show=cgctl_shown,
    options=(*TARGET_OPTIONS, opt("mode", choices=("lock", "unlock"), help="lock or unlock")))
