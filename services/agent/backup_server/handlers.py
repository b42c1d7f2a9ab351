"""Handlers of the backup-server commands (``events.tape``) and queries.

Each validates its arguments with the contract's model, decides with ``decide`` (pure) and runs
the steps with ``steps``. Mount points given relative are relative to the data directory.
"""
from __future__ import annotations

from events import CommandEnvelope
from events.base import Payload
from events.tape import TapeEntryDeleted, TapeSettingsRegistered
from services import messages
from services.agent.backup_server import decide, steps
from services.agent.filesystem.decide import reject
from services.agent.filesystem.handlers import absolute, completed, ensure_maps, require_storage
from services.agent.service import AgentContext


def parse(command: CommandEnvelope):
    """The typed command (validated with the envelope)."""
    return command.command


def _ready(context: AgentContext) -> None:
    require_storage(context)
    ensure_maps(context)


def mount_svol(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    args = parse(command)
    _ready(context)
    mount_pt = absolute(context, args.mount_point) if args.mount_point else None
    events = decide.plan_mount(context.view, command.workflow_id, args.backup_id,
                               args.copy_group, mount_pt, steps.svol_statuses(context),
                               context.clock())
    mounted = steps.run_mount(context, events)
    return completed(command, backup_id=args.backup_id or "",
                     mounts=[{"copy_group": m.copy_group, "mount_point": m.mount_point,
                              "read_only": m.read_only} for m in mounted],
                     purged=[e.backup_id for e in events if isinstance(e, TapeEntryDeleted)])


def unmount_svol(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    args = parse(command)
    require_storage(context)
    unmounts, unlocks = decide.plan_unmount(context.view, command.workflow_id, args.backup_id,
                                            args.copy_group)
    steps.run_unmount(context, unmounts, unlocks)
    return completed(command, backup_id=args.backup_id or "",
                     unmounts=[{"copy_group": u.copy_group, "mount_point": u.mount_point}
                               for u in unmounts],
                     unlocked=[u.copy_group for u in unlocks])


def backup_to_tape(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    args = parse(command)
    _ready(context)
    request, entry = decide.plan_media_backup(context.view, command.workflow_id, args.backup_id,
                                              steps.svol_statuses(context))
    sources = [context.view.copy_groups[n].mounted_at for n in entry.copy_groups]
    recorded = steps.run_media_backup(context, request, entry)
    return completed(command, backup_id=recorded.backup_id, source_backup_id=args.backup_id,
                     original_id=recorded.original_id, sources=sources,
                     media=sorted({a.medium for a in recorded.archives}),
                     bytes=sum(a.bytes for a in recorded.archives))


def restore_from_tape(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    args = parse(command)
    _ready(context)
    request, superseded, entry = decide.plan_media_restore(
        context.view, command.workflow_id, args.backup_id, steps.svol_statuses(context),
        context.clock())
    targets = [context.view.copy_groups[n].mounted_at for n in entry.copy_groups]
    recorded = steps.run_media_restore(context, request, superseded, entry)
    return completed(command, backup_id=recorded.backup_id, tape_backup_id=args.backup_id,
                     original_id=recorded.original_id, targets=targets,
                     media=list(entry.media), superseded=[d.backup_id for d in superseded])


def register_tape_settings(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    args = parse(command)
    context.record([TapeSettingsRegistered(product=args.product,
                                           retention_days=args.retention_days)])
    return completed(command, product=args.product, retention_days=args.retention_days)


def delete_tape_entries(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    args = parse(command)
    selection = _selection(context, args)
    deleted = decide.plan_tape_delete(context.view, context.clock(), **selection)
    archives = [a for d in deleted for a in context.view.tape[d.backup_id].archives]
    context.record(deleted)
    if context.adapters.get("data_dir") is not None or context.adapters.get("tape") is not None:
        lib = steps.library(context)
        for archive in archives:
            lib.delete(archive.medium, archive.label)
    return completed(command, deleted=[d.backup_id for d in deleted])


def _selection(context: AgentContext, args) -> dict:
    instance = args.instance
    if instance is not None and context.adapters.get("data_dir") is not None:
        instance = absolute(context, instance)
    return {"hostname": args.hostname, "backup_id": args.backup_id,
            "object_type": args.object_type, "instance": instance}


# -- queries ---------------------------------------------------------------------------------------
def tape_dict(entry) -> dict:
    return {
        "backup_id": entry.backup_id, "original_id": entry.original_id,
        "origin_host": entry.origin_host, "object_type": entry.object_type,
        "instances": list(entry.instances), "copy_groups": list(entry.copy_groups),
        "snapshot_at": entry.snapshot_at.isoformat(),
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
        "media": list(entry.media), "source_backup_id": entry.source_backup_id,
        "mode": entry.mode,
        "rows": [r._asdict() for r in entry.rows],
    }


def list_tape_catalog(command: CommandEnvelope, context: AgentContext) -> dict:
    args = parse(command)
    chosen = decide.select_tape(context.view, context.clock(), **_selection(context, args))
    return {"entries": [tape_dict(e) for e in chosen]}


def show_tape_settings(command: CommandEnvelope, context: AgentContext) -> dict:
    parse(command)
    settings = decide.effective_settings(context.view, steps.lab_retention(context))
    return {"product": settings.product, "retention_days": settings.retention_days,
            "registered": settings.registered}


BK_COMMAND_HANDLERS = {
    "MountSvol": mount_svol,
    "UnmountSvol": unmount_svol,
    "BackupToTape": backup_to_tape,
    "RestoreFromTape": restore_from_tape,
    "RegisterTapeSettings": register_tape_settings,
    "DeleteTapeEntries": delete_tape_entries,
}

BK_QUERY_HANDLERS = {
    "ListTapeCatalog": list_tape_catalog,
    "ShowTapeSettings": show_tape_settings,
}
