"""The extended tape commands of the backup server (Table 4-3): ``EX_DRM_CACHE_PURGE``,
``EX_DRM_MOUNT``, ``EX_DRM_UMOUNT``, ``EX_DRM_TAPE_BACKUP``, ``EX_DRM_TAPE_RESTORE``.

``EX_DRM_TAPE_BACKUP`` = drmmount → drmmediabackup → drmumount and ``EX_DRM_TAPE_RESTORE`` =
drmmount → drmmediarestore → drmumount: once the mount succeeded the unmount always runs,
whatever the copy returned (spec 08 §2.7), and the copy's error is the command's. The tape
backup leaves the backup ID file on the disk entry (the baton for ``EX_DRM_CACHE_PURGE`` and the
next resync); the tape restore writes the restored disk entry's new ID to it.
"""
from __future__ import annotations

import argparse

from events.tape import BackupToTape, MountSvol, RestoreFromTape, UnmountSvol
from services.cli import catalog_layouts, tape_layouts
from services.cli.entries import Shown, flag, opt, usage_error
from services.cli.errors import CliError
from services.cli.extended.entry import ANY_OBJECT, ExtendedEntry
from services.cli.extended.filesystem import copy_groups_of, detail, shown
from services.cli.extended.operation import Operation
from services.cli.filesystem_args import build, check_backup_id, check_copy_group


def mount_point_of(args: argparse.Namespace) -> str | None:
    value = getattr(args, "mount_pt", None)
    if value is not None and (not value.strip() or " " in value):
        raise usage_error("-mount_pt must be a directory name without spaces")
    return value


def mount_lines(outcome) -> list[str]:
    return [line for m in outcome.payload["result"]["mounts"]
            for line in tape_layouts.mounting(m["mount_point"])]


def unmount_lines(outcome) -> list[str]:
    return [line for m in outcome.payload["result"]["unmounts"]
            for line in tape_layouts.unmounting(m["mount_point"])]


def refuse_force(args: argparse.Namespace) -> None:
    for name in ("force", "raw", "conf"):
        if getattr(args, name, False):
            raise usage_error(f"the option -{name} is not supported yet")
    if getattr(args, "bup_env", None):
        raise usage_error("the option -bup_env is not supported yet")


# -- EX_DRM_MOUNT / EX_DRM_UMOUNT ------------------------------------------------------------------
def ex_mount(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    refuse_force(args)
    key = ({"copy_group": check_copy_group(args.copy_group)} if args.copy_group else
           {"backup_id": operation.read_backup_id()})
    outcome = agent.ask(build(MountSvol, mount_point=mount_point_of(args), **key))
    return shown(detail(operation, "drmmount", mount_lines(outcome)), mount=outcome.to_wire())


def ex_umount(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    key = ({"copy_group": check_copy_group(args.copy_group)} if args.copy_group else
           {"backup_id": operation.read_backup_id()})
    outcome = agent.ask(build(UnmountSvol, **key))
    return shown(detail(operation, "drmumount", unmount_lines(outcome)),
                 unmount=outcome.to_wire())


COPY_GROUP = opt("copy_group", help="one copy group, as <group>,<device> (cache clearing)")
MOUNT_PT = opt("mount_pt", help="where to mount the S-VOL (default: its own mount point)")
FORCE = flag("force", "forced mount: not supported (refused)")

EX_DRM_MOUNT = ExtendedEntry(
    name="EX_DRM_MOUNT", summary="mount the S-VOL of the operation's backup ID file",
    description="run drmmount for the backup ID in the operation's backup ID file (locking "
                "its copy\ngroups) or for -copy_group; unmount it with EX_DRM_UMOUNT.",
    commands=(MountSvol,), steps=ex_mount,
    options=(COPY_GROUP, MOUNT_PT, FORCE, flag("conf", "write CG_MP.conf: not supported")),
    backup_object=ANY_OBJECT)

EX_DRM_UMOUNT = ExtendedEntry(
    name="EX_DRM_UMOUNT", summary="unmount what EX_DRM_MOUNT mounted",
    description="run drmumount for the backup ID in the operation's backup ID file (unlocking "
                "its\ncopy groups) or for -copy_group.",
    commands=(UnmountSvol,), steps=ex_umount, options=(COPY_GROUP,), backup_object=ANY_OBJECT)


# -- EX_DRM_CACHE_PURGE ----------------------------------------------------------------------------
def cache_purge(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    groups, _ = copy_groups_of(args)
    keys = ([{"copy_group": g} for g in groups] if groups else
            [{"backup_id": operation.read_backup_id()}])
    lines, data = [], []
    for key in keys:
        mounted = agent.ask(build(MountSvol, **key))
        unmounted = agent.ask(build(UnmountSvol, **key))
        lines += detail(operation, "drmmount", mount_lines(mounted))
        lines += detail(operation, "drmumount", unmount_lines(unmounted))
        data.append({"mount": mounted.to_wire(), "unmount": unmounted.to_wire()})
    return shown(lines, purges=data)


EX_DRM_CACHE_PURGE = ExtendedEntry(
    name="EX_DRM_CACHE_PURGE", summary="clear the S-VOL cache: mount, then unmount",
    description="run drmmount and drmumount back to back: for -cg/-cg_file those copy groups "
                "(always-\nsplit operation, before the backup), else the backup in the backup "
                "ID file.",
    commands=(MountSvol, UnmountSvol), steps=cache_purge,
    options=(opt("cg", metavar="COPY_GROUP", help="the copy group, as <group>,<device>"),
             opt("cg_file", metavar="FILE", help="a copy-group list file")),
    backup_object=ANY_OBJECT)


# -- EX_DRM_TAPE_BACKUP / EX_DRM_TAPE_RESTORE ------------------------------------------------------
def mounted_copy(agent, backup_id: str, mount_pt: str | None, copy) -> tuple[list, object]:
    """Mount ``backup_id``, run ``copy``, unmount whatever ``copy`` did; the lines and the
    copy's outcome (its error raised after the unmount)."""
    mounted = agent.ask(build(MountSvol, backup_id=backup_id, mount_point=mount_pt))
    try:
        copied = agent.ask(copy)
    except CliError:
        agent.ask(build(UnmountSvol, backup_id=backup_id))
        raise
    unmounted = agent.ask(build(UnmountSvol, backup_id=backup_id))
    return [mount_lines(mounted), unmount_lines(unmounted)], copied


def tape_backup(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    refuse_force(args)
    backup_id = operation.read_backup_id()
    (mounts, unmounts), copied = mounted_copy(agent, backup_id, mount_point_of(args),
                                              build(BackupToTape, backup_id=backup_id))
    result = copied.payload["result"]
    copy_lines = [line for source in result["sources"]
                  for line in tape_layouts.media_backup(source)]
    copy_lines.append(catalog_layouts.backup_assigned(result["backup_id"]))
    return shown([*detail(operation, "drmmount", mounts),
                  *detail(operation, "drmmediabackup", copy_lines),
                  *detail(operation, "drmumount", unmounts)],
                 backup_id=result["backup_id"], tape=copied.to_wire())


def tape_restore(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    refuse_force(args)
    if args.backup_id is None:
        raise usage_error("EX_DRM_TAPE_RESTORE needs -backup_id <tape backup ID>")
    tape_id = check_backup_id(args.backup_id)
    (mounts, unmounts), copied = mounted_copy(agent, tape_id, mount_point_of(args),
                                              build(RestoreFromTape, backup_id=tape_id))
    result = copied.payload["result"]
    operation.write_backup_id(result["backup_id"])
    source = ",".join(result["media"])
    copy_lines = [line for target in result["targets"]
                  for line in tape_layouts.media_restore(source, target)]
    copy_lines.append(catalog_layouts.backup_assigned(result["backup_id"]))
    return shown([*detail(operation, "drmmount", mounts),
                  *detail(operation, "drmmediarestore", copy_lines),
                  *detail(operation, "drmumount", unmounts)],
                 backup_id=result["backup_id"], restore=copied.to_wire())


TAPE_OPTIONS = (flag("exopt", "introduces -force/-bup_env (accepted)"), MOUNT_PT,
                flag("raw", "raw device backup: not supported (refused)"), FORCE,
                opt("bup_env", help="tape configuration file: not supported (refused)"))

EX_DRM_TAPE_BACKUP = ExtendedEntry(
    name="EX_DRM_TAPE_BACKUP", summary="S-VOL -> tape: mount, drmmediabackup, unmount",
    description="copy the S-VOL of the backup in the operation's backup ID file to tape "
                "(drmmount,\ndrmmediabackup, drmumount); a new tape entry (KAVX0040-I).",
    commands=(MountSvol, BackupToTape, UnmountSvol), steps=tape_backup, options=TAPE_OPTIONS,
    backup_object=ANY_OBJECT)

EX_DRM_TAPE_RESTORE = ExtendedEntry(
    name="EX_DRM_TAPE_RESTORE", summary="tape -> S-VOL: mount, drmmediarestore, unmount",
    description="restore a tape entry to its S-VOLs (drmmount, drmmediarestore, drmumount) and "
                "write\nthe new disk entry's backup ID to the operation's backup ID file.",
    commands=(MountSvol, RestoreFromTape, UnmountSvol), steps=tape_restore,
    options=(opt("backup_id", help="the tape backup ID (drmtapecat)"), *TAPE_OPTIONS),
    backup_object=ANY_OBJECT)
