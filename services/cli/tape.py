"""``drmmount``, ``drmumount``, ``drmmediabackup`` and ``drmmediarestore``: the backup server's
S-VOL mounts and its copies to and from tape (spec 08 §3.9, §3.10). Run them on the backup
server (``--host BKServer`` or ``DRM_HOSTNAME``)."""
from __future__ import annotations

import argparse

from events.tape import BackupToTape, MountSvol, RestoreFromTape, UnmountSvol
from services.cli import catalog_layouts, tape_layouts as layout
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error
from services.cli.filesystem_args import build, check_backup_id, check_copy_group


def target_options(verb: str) -> tuple:
    return (arg("backup_id", nargs="?", help=f"{verb} the S-VOLs of this backup (disk or tape "
                                             "entry, 10 digits)"),
            opt("copy_group", help=f"{verb} one copy group, as <group>,<device>"))


def target(args: argparse.Namespace, command: str) -> dict:
    if (args.backup_id is None) == (args.copy_group is None):
        raise usage_error(f"{command} needs exactly one of a backup ID and -copy_group")
    return {"backup_id": check_backup_id(args.backup_id),
            "copy_group": check_copy_group(args.copy_group)}


# -- drmmount / drmumount --------------------------------------------------------------------------
def mount_request(args: argparse.Namespace) -> MountSvol:
    if args.mount_pt is not None and (not args.mount_pt.strip() or " " in args.mount_pt):
        raise usage_error("-mount_pt must be a directory name without spaces")
    if args.conf and args.copy_group is not None:
        raise usage_error("-conf records the mounts of a backup ID: give a backup ID, not "
                          "-copy_group")
    return build(MountSvol, mount_point=args.mount_pt, conf=args.conf, force=args.force,
                 **target(args, "drmmount"))


def mount_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    result = outcome.payload["result"]
    lines = [line for m in result["mounts"] for line in layout.mounting(m["mount_point"])]
    lines += [layout.unguarded(g) for g in result.get("guards", ()) if not g["enforced"]]
    if result.get("definition_file"):
        lines.append(layout.definition_updated(result["definition_file"]))
    return Shown(lines, outcome.to_wire())


MOUNT = AgentEntry(
    name="mount", manual="drmmount", summary="mount S-VOLs on the backup server",
    description="mount the S-VOLs of a backup (locking its copy groups) or of one copy group. "
                "A tape\nentry's S-VOLs are mounted writable, to prepare drmmediarestore. A "
                "copy group in\nPAIR is refused. Expired tape entries are purged first. A "
                "read-only mount refuses\nwrites; drmumount reports any change made to it.",
    commands=(MountSvol,), request=mount_request, show=mount_shown,
    options=(*target_options("mount"),
             opt("mount_pt", help="mount point: for several S-VOLs, a directory under which "
                                  "each gets its own (default: CG_MP.conf, else the S-VOL's "
                                  "mount point)"),
             flag("conf", "record the mounts of the backup ID in the copy group mount "
                          "definition file (CG_MP.conf)"),
             flag("force", "mount by copy group name even if the volumes differ from those "
                           "recorded at backup (after a volume replacement)")))


def umount_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    result = outcome.payload["result"]
    lines = [line for m in result["unmounts"] for line in layout.unmounting(m["mount_point"])]
    lines += [layout.changed(c) for c in result.get("changed", ())]
    return Shown(lines, outcome.to_wire())


UMOUNT = AgentEntry(
    name="umount", manual="drmumount", summary="unmount S-VOLs on the backup server",
    description="unmount what drmmount mounted, with the same key (backup ID or -copy_group); "
                "by\nbackup ID the copy groups the mount locked are unlocked.",
    commands=(UnmountSvol,), request=lambda args: build(UnmountSvol, **target(args, "drmumount")),
    show=umount_shown, options=target_options("unmount"))


# -- drmmediabackup / drmmediarestore --------------------------------------------------------------
def media_request(model: type):
    def request(args: argparse.Namespace):
        check_backup_id(args.backup_id)
        return build(model, backup_id=args.backup_id)

    return request


def media_backup_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    result = outcome.payload["result"]
    lines = [line for source in result["sources"] for line in layout.media_backup(source)]
    lines.append(catalog_layouts.backup_assigned(result["backup_id"]))
    return Shown(lines, outcome.to_wire())


def media_restore_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    result = outcome.payload["result"]
    source = ",".join(result["media"])
    lines = [line for target in result["targets"] for line in layout.media_restore(source, target)]
    lines.append(catalog_layouts.backup_assigned(result["backup_id"]))
    return Shown(lines, outcome.to_wire())


MEDIA_OPTIONS = (arg("backup_id", help="the backup ID (10 digits)"),)

MEDIABACKUP = AgentEntry(
    name="mediabackup", manual="drmmediabackup", summary="copy a mounted S-VOL to tape",
    description="copy the S-VOLs of a disk backup (mounted with drmmount) to tape and record "
                "a\ntape entry with a new backup ID (KAVX0040-I); the ORIGINAL-ID is kept.",
    commands=(BackupToTape,), request=media_request(BackupToTape), show=media_backup_shown,
    options=MEDIA_OPTIONS, deferred=("raw", "bup_env"))

MEDIARESTORE = AgentEntry(
    name="mediarestore", manual="drmmediarestore", summary="copy a tape backup back to its S-VOL",
    description="copy a tape backup back to its S-VOLs (mounted with drmmount <tape-ID>) and\n"
                "record a new disk entry (KAVX0040-I) that replaces the old one on those copy\n"
                "groups; the ORIGINAL-ID is kept. An expired or deleted tape entry is refused.",
    commands=(RestoreFromTape,), request=media_request(RestoreFromTape),
    show=media_restore_shown, options=MEDIA_OPTIONS, deferred=("raw", "bup_env"))
