"""``drmresync`` and ``drmcgctl``: resynchronise copy groups, list and lock them.

``drmresync -cg_file <copy-group list file>`` reads the list here (``adapters.config.cg_list``:
a bad file is refused before anything is sent, naming file and line) and resyncs its copy
groups one after the other, each command carrying the list's name and SHA-256 (recorded in the
agent's ``ConfigurationUsed``); the first failure stops the rest. ``-copy_size`` (1-15) and
``-pf`` (a copy parameter file of the host's ``conf/raid``) go to the agent with each command.
"""
from __future__ import annotations

import argparse

from events.definitions import FileDigest
from events.fs_commands import ListCopyGroups, ResyncCopyGroups, SetCopyGroupLock
from services.cli import catalog_layouts as layout
from pathlib import Path

from services.cli.entries import AgentEntry, Shown, opt, usage_error
from services.cli.filesystem_args import build, check_backup_id, check_copy_group, exactly_one
from services.cli.perform import query_data

TARGETS = ("backup_id", "copy_group")
TARGET_OPTIONS = (opt("backup_id", help="the copy groups of this backup (10 digits)"),
                  opt("copy_group", help="one copy group, as <group>,<device> (VG01,VOL01)"))


def checked_targets(args: argparse.Namespace) -> dict:
    return {"backup_id": check_backup_id(args.backup_id),
            "copy_group": check_copy_group(args.copy_group)}


COPY_OPTIONS = (opt("copy_size", type=int, metavar="1-15",
                    help="copy pace in tracks (over DRM_COPY_SIZE and DEFAULT.dat's COPY_SIZE)"),
                opt("pf", help="a copy parameter file of the host's conf/raid (pair-status "
                               "retries for this run)"))


# -- drmresync -----------------------------------------------------------------------------------
def resync_request(args: argparse.Namespace) -> list[ResyncCopyGroups]:
    exactly_one(args, (*TARGETS, "cg_file"), "drmresync")
    pace = {"copy_size": args.copy_size, "copy_parameters": args.pf}
    if args.cg_file is None:
        return [build(ResyncCopyGroups, **checked_targets(args), **pace)]
    listed = read_cg_file(Path(args.cg_file))
    digest = FileDigest(file=listed.file, digest=listed.digest)
    return [build(ResyncCopyGroups, copy_group=group, copy_group_list=digest, **pace)
            for group in listed.copy_groups]


def read_cg_file(path: Path):
    """The copy-group list file; a usage error naming file and line when it is bad."""
    from adapters.config.cg_list import load_cg_list
    from adapters.config.lines import ConfigError

    try:
        return load_cg_list(path)
    except FileNotFoundError:
        raise usage_error(f"the copy-group list file {path} does not exist") from None
    except ConfigError as error:
        raise usage_error(str(error)) from None


RESYNC = AgentEntry(
    name="resync", manual="drmresync", summary="resynchronise copy groups P-VOL -> S-VOL",
    description="resynchronise the copy groups of a backup (or one copy group) and delete the "
                "catalog\nentry that lived on them: the S-VOL data is lost. Copy progress is "
                "shown on stderr.",
    commands=(ResyncCopyGroups,), request=resync_request,
    show=lambda args, outcomes, agent: Shown(
        [], outcomes[0].to_wire() if len(outcomes) == 1 else [o.to_wire() for o in outcomes]),
    options=(*TARGET_OPTIONS, opt("cg_file", help="a copy-group list file: resync each of its "
                                                  "copy groups"), *COPY_OPTIONS))


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
