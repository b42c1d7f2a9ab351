"""Handlers of the file-system commands (``events.fs_commands``).

Each receives its typed command (validated with the envelope), decides with ``decide`` (pure)
and runs the steps with ``workflows``. Mount points given relative are relative to the data directory,
as in the lab definition. A host the lab does not know gets a clear rejection.
"""
from __future__ import annotations

from pathlib import Path

from adapters.lab.provision import mount_path
from adapters.paths import BadName, PathOutsideRoot
from events.base import Payload
from events.command_base import Command
from events.fs_commands import (BackupFileSystem, DeleteCatalogEntry, RefreshDictionaryMaps,
                                RestoreFileSystem, ResyncCopyGroups, SetCopyGroupLock)
from events.outcomes import CommandCompleted
from services import messages
from services.agent.errors import reject
from services.agent.filesystem import decide, workflows
from services.agent.configuration import use_configuration
from services.agent.service import AgentContext

NO_LAB = messages.NO_LAB


def require_storage(context: AgentContext) -> None:
    lab = context.ports.lab
    if context.ports.storage is None or lab is None:
        raise reject(NO_LAB, "no lab is loaded in the data directory (drm lab init)")
    if not any(h.name.lower() == context.host.lower() for h in lab.hosts):
        raise reject(NO_LAB, f"the host {context.host} is not in the lab {lab.name}")


def absolute(context: AgentContext, target: str) -> str:
    """``target`` as an absolute path (relative ones are relative to the data directory), to be
    matched against the host's known mount points; nothing is created at it."""
    data_dir, path = context.ports.data_dir, Path(target)
    if data_dir and not path.is_absolute():
        path = Path(data_dir) / path
    return str(path).rstrip("/") or "/"


def confined_mount_point(context: AgentContext, target: str) -> str:
    """``target`` as an absolute mount point to create, confined to the data directory and the
    lab host's ``mount_roots``; one from the bus that would leave them is rejected (nothing
    changes)."""
    data_dir = context.ports.data_dir
    if not data_dir:
        return str(Path(target)).rstrip("/") or "/"
    lab = context.ports.lab
    entry = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == context.host.lower()),
                 None)
    try:
        path = mount_path(Path(data_dir), target, entry.mount_roots if entry else ())
    except (BadName, PathOutsideRoot) as error:
        raise reject(messages.BAD_COMMAND, str(error)) from None
    return str(path).rstrip("/") or "/"


def targets_of(context: AgentContext, targets) -> tuple[str, ...]:
    return tuple(absolute(context, t) for t in targets)


def ensure_maps(context: AgentContext) -> None:
    """A host that never built its maps builds them first (spec 04 §3.2: missing object)."""
    if context.view.maps_refreshed_seq == 0 and context.ports.lab is not None:
        require_storage(context)
        context.record([workflows.discovered_maps(context, reason="missing-object")])


def completed(command: Command, **result) -> list[Payload]:
    return [CommandCompleted(command=command.name, result=result)]


# -- commands ------------------------------------------------------------------------------------
def backup_file_system(command: BackupFileSystem, context: AgentContext) -> list[Payload]:
    require_storage(context)
    configuration = use_configuration(command, context, "split")
    targets = targets_of(context, command.targets)
    if decide.missing_targets(context.view, targets):
        context.record([workflows.discovered_maps(context, reason="missing-object")])
    plan = decide.plan_backup(context.view, context.envelope.workflow_id, targets, command.mode,
                              command.generation, command.comment)
    if configuration:
        context.record(configuration)
    recorded = workflows.run_backup(context, plan)
    return completed(command, backup_id=recorded.backup_id, generation=recorded.generation,
                     copy_groups=list(recorded.copy_groups), mode=recorded.mode,
                     instances=list(recorded.instances),
                     superseded=[d.backup_id for d in plan.superseded])


def restore_file_system(command: RestoreFileSystem, context: AgentContext) -> list[Payload]:
    require_storage(context)
    configuration = use_configuration(command, context, "restore")
    decide.entry_of(context.view, command.backup_id)
    plan = decide.plan_restore(context.view, context.envelope.workflow_id, command.backup_id,
                               targets_of(context, command.targets),
                               workflows.live_statuses(context), command.force)
    if configuration:
        context.record(configuration)
    workflows.run_restore(context, plan)
    return completed(command, backup_id=command.backup_id, instances=list(plan.request.instances),
                     copy_groups=list(plan.request.copy_groups))


def resync_copy_groups(command: ResyncCopyGroups, context: AgentContext) -> list[Payload]:
    require_storage(context)
    ensure_maps(context)
    configuration = use_configuration(command, context, "resync")
    names, deleted = decide.plan_resync(context.view, command.backup_id, command.copy_group)
    if configuration:
        context.record(configuration)
    done = workflows.run_resync(context, context.envelope.workflow_id, names, deleted)
    return completed(command, copy_groups=done, deleted=[d.backup_id for d in deleted])


def set_copy_group_lock(command: SetCopyGroupLock, context: AgentContext) -> list[Payload]:
    ensure_maps(context)
    names, events = decide.plan_lock(context.view, command.backup_id, command.copy_group, command.mode)
    context.record(events)
    return completed(command, mode=command.mode, copy_groups=list(names),
                     changed=[e.copy_group for e in events], backup_id=command.backup_id or "")


def delete_catalog_entry(command: DeleteCatalogEntry, context: AgentContext) -> list[Payload]:
    event = decide.plan_delete(context.view, command.backup_id)
    context.record([event])
    return completed(command, backup_id=command.backup_id, copy_groups=list(event.copy_groups))


def refresh_dictionary_maps(command: RefreshDictionaryMaps,
                            context: AgentContext) -> list[Payload]:
    require_storage(context)
    event = workflows.discovered_maps(context)
    context.record([event])
    return completed(command, volumes=len(event.volumes),
                     copy_groups=sum(len(v.copy_groups) for v in event.volumes))


FS_COMMAND_HANDLERS = (
    # BackupFileSystem: backup_file_system, wrapped by the auto-import in services.agent.handlers
    (RestoreFileSystem, restore_file_system),
    (ResyncCopyGroups, resync_copy_groups),
    (SetCopyGroupLock, set_copy_group_lock),
    (DeleteCatalogEntry, delete_catalog_entry),
    (RefreshDictionaryMaps, refresh_dictionary_maps),
)
