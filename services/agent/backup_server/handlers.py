"""Handlers of the backup-server commands (``events.tape``) and queries.

Each receives its typed command, decides with ``decide`` (pure) and runs the steps with
``steps``. Mount points given relative are relative to the data directory.
"""
from __future__ import annotations

from events.base import Payload
from events.tape import (BackupToTape, DeleteTapeEntries, ListTapeCatalog, MountSvol,
                         RegisterTapeSettings, RestoreFromTape, ShowTapeSettings,
                         TapeEntryDeleted, TapeSettingsRegistered, UnmountSvol)
from events.devices import SvolsRevealed
from services import messages
from services.agent.backup_server import decide, steps
from services.agent.devices import decide as devices_decide, handlers as devices
from services.agent.errors import CommandFailure, reject
from services.agent.filesystem.handlers import absolute, completed, confined_mount_point, \
    ensure_maps, require_storage
from services.agent.service import AgentContext


def _ready(context: AgentContext) -> None:
    require_storage(context)
    ensure_maps(context)


def mount(context: AgentContext, backup_id: str | None, copy_group: str | None,
          mount_point: str | None, conf: bool = False, force: bool = False) -> dict:
    """``drmmount``'s work, shared with ``drmdbimport -auto_mount``: decide the mounts of a
    backup ID or a copy group (``CG_MP.conf``, concealed S-VOLs and ``-force`` as
    ``services.agent.devices`` decides), run them; the result as the command reports it."""
    _ready(context)
    if conf and not backup_id:
        raise reject(messages.BAD_COMMAND, "-conf needs a backup ID (not -copy_group)")
    mount_pt = confined_mount_point(context, mount_point) if mount_point else None
    definition = devices.read_definition(context)
    events = decide.plan_mount(context.view, context.envelope.workflow_id, backup_id,
                               copy_group, mount_pt, steps.svol_statuses(context),
                               context.clock(), devices.defined_mount_points(context, definition))
    first, events = devices_decide.before_mount(context.view, events,
                                                devices.device_detach(context), force,
                                                devices.live_partners(context))
    try:
        mounted = steps.run_mount(context, [*first, *events])
    except CommandFailure:
        context.record(devices_decide.conceal_again(first))  # what the mount revealed
        raise
    guards = devices.record_guards(context, mounted)
    result = {"backup_id": backup_id or "",
              "mounts": [{"copy_group": m.copy_group, "mount_point": m.mount_point,
                          "read_only": m.read_only} for m in mounted],
              "purged": [e.backup_id for e in events if isinstance(e, TapeEntryDeleted)],
              "guards": guards, "revealed": [n for e in first if isinstance(e, SvolsRevealed)
                                             for n in e.copy_groups]}
    if conf:
        result["definition_file"] = devices.update_definition(context, definition, backup_id,
                                                              mounted)
    return result


def mount_svol(command: MountSvol, context: AgentContext) -> list[Payload]:
    return completed(command, **mount(context, command.backup_id, command.copy_group,
                                      command.mount_point, command.conf, command.force))


def unmount_svol(command: UnmountSvol, context: AgentContext) -> list[Payload]:
    require_storage(context)
    unmounts, unlocks = decide.plan_unmount(context.view, context.envelope.workflow_id, command.backup_id,
                                            command.copy_group)
    found = steps.run_unmount(context, unmounts, unlocks)
    changed = devices.record_changes(context, found)
    concealed = devices_decide.after_unmount(context.view, unmounts,
                                             devices.device_detach(context),
                                             command.backup_id or "")
    context.record(concealed)
    return completed(command, backup_id=command.backup_id or "",
                     unmounts=[{"copy_group": u.copy_group, "mount_point": u.mount_point}
                               for u in unmounts],
                     unlocked=[u.copy_group for u in unlocks], changed=changed,
                     concealed=[n for e in concealed for n in e.copy_groups])


def backup_to_tape(command: BackupToTape, context: AgentContext) -> list[Payload]:
    _ready(context)
    request, entry = decide.plan_media_backup(context.view, context.envelope.workflow_id, command.backup_id,
                                              steps.svol_statuses(context))
    sources = [context.view.copy_groups[n].mounted_at for n in entry.copy_groups]
    recorded = steps.run_media_backup(context, request, entry)
    return completed(command, backup_id=recorded.backup_id, source_backup_id=command.backup_id,
                     original_id=recorded.original_id, sources=sources,
                     media=sorted({a.medium for a in recorded.archives}),
                     bytes=sum(a.bytes for a in recorded.archives))


def restore_from_tape(command: RestoreFromTape, context: AgentContext) -> list[Payload]:
    _ready(context)
    request, superseded, entry = decide.plan_media_restore(
        context.view, context.envelope.workflow_id, command.backup_id, steps.svol_statuses(context),
        context.clock())
    targets = [context.view.copy_groups[n].mounted_at for n in entry.copy_groups]
    recorded = steps.run_media_restore(context, request, superseded, entry)
    return completed(command, backup_id=recorded.backup_id, tape_backup_id=command.backup_id,
                     original_id=recorded.original_id, targets=targets,
                     media=list(entry.media), superseded=[d.backup_id for d in superseded])


def register_tape_settings(command: RegisterTapeSettings, context: AgentContext) -> list[Payload]:
    context.record([TapeSettingsRegistered(product=command.product,
                                           retention_days=command.retention_days)])
    return completed(command, product=command.product, retention_days=command.retention_days)


def delete_tape_entries(command: DeleteTapeEntries, context: AgentContext) -> list[Payload]:
    selection = _selection(context, command)
    deleted = decide.plan_tape_delete(context.view, context.clock(), **selection)
    archives = [a for d in deleted for a in context.view.tape[d.backup_id].archives]
    context.record(deleted)
    if context.ports.tape is not None:
        for archive in archives:
            context.ports.tape.delete(archive.medium, archive.label)
    return completed(command, deleted=[d.backup_id for d in deleted])


def _selection(context: AgentContext, command) -> dict:
    instance = command.instance
    if instance is not None and context.ports.data_dir is not None:
        instance = absolute(context, instance)
    return {"hostname": command.hostname, "backup_id": command.backup_id,
            "object_type": command.object_type, "instance": instance}


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


def list_tape_catalog(command: ListTapeCatalog, context: AgentContext) -> dict:
    chosen = decide.select_tape(context.view, context.clock(), **_selection(context, command))
    return {"entries": [tape_dict(e) for e in chosen]}


def show_tape_settings(command: ShowTapeSettings, context: AgentContext) -> dict:
    settings = decide.effective_settings(context.view, steps.lab_retention(context))
    return {"product": settings.product, "retention_days": settings.retention_days,
            "registered": settings.registered}


BK_COMMAND_HANDLERS = (
    (MountSvol, mount_svol),
    (UnmountSvol, unmount_svol),
    (BackupToTape, backup_to_tape),
    (RestoreFromTape, restore_from_tape),
    (RegisterTapeSettings, register_tape_settings),
    (DeleteTapeEntries, delete_tape_entries),
)

BK_QUERY_HANDLERS = (
    (ListTapeCatalog, list_tape_catalog),
    (ShowTapeSettings, show_tape_settings),
)
