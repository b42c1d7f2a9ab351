"""``drmfsbackup`` and ``drmfsrestore``: back up a host's file systems and restore them.

Each entry builds its typed command of ``events.fs_commands`` (so bad input stops here); the
one ``perform`` path sends it to the host's agent.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from events.fs_commands import BackupFileSystem, RestoreFileSystem
from services.cli import catalog_layouts as layout
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error
from services.cli.filesystem_args import build, check_backup_id, expand_target, \
    read_target_file, split_targets
from services.cli.transfer import auto_import_shown
from services.cli.script_layouts import wrapped
from services.cli.user_script import read_script

DEFAULT_REMOTE_GENERATION = "remote_0"  # bare -rc: spec 08 §1.8 [INFERRED]
TARGET_HELP = "a mount point, or a target list file (one mount point per line, # comments)"
PF_OPTION = opt("pf", help="a copy parameter file of the host's conf/raid (pair-status "
                           "retries for this run)")


# -- drmfsbackup ---------------------------------------------------------------------------------
def backup_request(args: argparse.Namespace) -> BackupFileSystem:
    return backup_command(args, expand_target(args.target))


def backup_command(args: argparse.Namespace, targets: tuple[str, ...]) -> BackupFileSystem:
    """The backup of ``targets`` as the options ask (``drmfsbackup``, ``EX_DRM_FS_BACKUP``)."""
    if args.mode == "vss":
        raise usage_error("the option -mode vss is not supported yet")
    script = read_script(Path(args.script)) if getattr(args, "script", None) else None
    if args.s is not None and not args.auto_import and not (script and script.has_remote):
        raise usage_error("the option -s is used with -auto_import or a user script with "
                          "LOCATION=REMOTE commands (-svol_check is not supported yet)")
    if script is not None and script.has_remote and args.s is None:
        raise usage_error("the user script has LOCATION=REMOTE commands: give -s "
                          "<backup-server>")
    return build(BackupFileSystem, targets=targets, mode=args.mode, generation=args.rc,
                 comment=args.comment, backup_server=args.s, auto_import=args.auto_import,
                 auto_mount=args.auto_mount, script=script,
                 copy_parameters=getattr(args, "pf", None))


def backup_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    result = outcome.payload["result"]
    shown = Shown(wrapped(result, [layout.backup_assigned(result["backup_id"])]),
                  outcome.to_wire())
    if "import" not in result:
        return shown
    if "script" in result:  # the script's lines frame the import's: shown all at the end
        lines, imported = auto_import_shown(agent, result["import"], echo=False)
        return Shown(wrapped(result, [layout.backup_assigned(result["backup_id"]), *lines]),
                     {"backup": shown.data, "import": imported})
    if not args.json:  # the backup ID shows before the wait for the import
        print(shown.lines[0], flush=True)
    lines, imported = auto_import_shown(agent, result["import"], echo=not args.json)
    return Shown(lines, {"backup": shown.data, "import": imported})


FSBACKUP = AgentEntry(
    name="fsbackup", manual="drmfsbackup", summary="back up file systems P-VOL -> S-VOL",
    description="back up the file systems at the given mount points to a secondary-volume "
                "generation.\nThe agent picks the unlocked generation backed up longest ago "
                "(unless -rc names one),\nresyncs it if it is split, splits it, records a "
                "catalog entry and prints its new\nbackup ID (KAVX0040-I). Copy progress is "
                "shown on stderr.",
    commands=(BackupFileSystem,), request=backup_request, show=backup_shown,
    options=(
        arg("target", help=TARGET_HELP),
        opt("mode", choices=("online", "cold", "vss"), default="online",
            help="online (default): split while mounted; cold: unmount the P-VOL around the "
                 "split; vss: not supported yet"),
        opt("rc", nargs="?", const=DEFAULT_REMOTE_GENERATION, default=None,
            metavar="GENERATION", help="back up to this generation (local_N or remote_N); "
                                       f"without a value: {DEFAULT_REMOTE_GENERATION}"),
        opt("comment", default="", help="backup comment, kept in the catalog"),
        opt("backup_server", short="s", dest="s", metavar="BACKUP_SERVER",
            help="the backup server (with -auto_import: import the entry there)"),
        flag("auto_import", "after the backup, send the catalog entry to the -s server's "
                            "agent and import it there (KAVX5159-I)"),
        opt("auto_mount", nargs="?", const="", default=None, metavar="MOUNT_POINT",
            help="with -auto_import: mount the imported entry's S-VOL on the backup server "
                 "(at this mount point, else the one its dictionary map gives)"),
        PF_OPTION,
        opt("script", metavar="USER_SCRIPT_FILE",
            help="run the user script's [PRE_PROC] before and [POST_PROC] after the backup")),
    deferred=("svol_check", "vf"))


# -- drmfsrestore --------------------------------------------------------------------------------
def restore_targets(args: argparse.Namespace, command: str) -> tuple[str, ...]:
    """The mount points a restore names (``-target`` or ``-f``; none: all of the backup's),
    after the option checks ``drmfsrestore`` and ``EX_DRM_FS_RESTORE`` share."""
    if not args.resync:
        raise usage_error(f"{command} restores by reverse resync only: give -resync")
    if args.target is not None and args.target_file is not None:
        raise usage_error("-target and -f cannot be given together")
    if args.target is not None:
        return split_targets(args.target)
    if args.target_file is not None:
        return read_target_file(Path(args.target_file))
    return ()


def restore_request(args: argparse.Namespace) -> RestoreFileSystem:
    check_backup_id(args.backup_id)
    targets = restore_targets(args, "drmfsrestore")
    return build(RestoreFileSystem, backup_id=args.backup_id, targets=targets,
                 force=args.force, copy_parameters=args.pf)


FSRESTORE = AgentEntry(
    name="fsrestore", manual="drmfsrestore", summary="restore file systems S-VOL -> P-VOL",
    description="restore the file systems of a backup by reverse resync from its S-VOL, then "
                "split\nagain. The target copy group must be split (PSUS/SSUS) and related "
                "ones PSUS or SMPL.",
    commands=(RestoreFileSystem,), request=restore_request,
    show=lambda args, outcomes, agent: Shown([], outcomes[0].to_wire()),
    options=(
        arg("backup_id", help="the backup ID to restore (10 digits)"),
        flag("resync", "restore by reverse resync S-VOL -> P-VOL (required)"),
        opt("target", help="restore only these mount points (comma-separated)"),
        opt("file", short="f", dest="target_file",
            help="restore only the mount points of this target list file"),
        flag("force", "restore even if the P-VOL no longer matches what was recorded at "
                      "backup"),
        PF_OPTION),
    deferred=("nochk_host",))
