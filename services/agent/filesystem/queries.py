"""Query handlers (the queries of ``events.fs_commands``): answers from the view, no events.

Result shapes are those documented in ``events.fs_commands``.
"""
from __future__ import annotations

from events.fs_commands import (DisplayDictionaryMaps, ListCatalog, ListCopyGroups,
                                ListFileSystemCatalog)
from projections.host_view import CatalogEntry, HostView
from services.agent.filesystem.handlers import targets_of
from services.agent.service import AgentContext


def own_devices(view: HostView) -> dict[str, str]:
    """Copy group -> the device of its volume as this host's dictionary map names it: the
    P-VOL on a file server, the S-VOL on a backup server (``drmfscat``'s DEVICE column shows
    the host's own device, as the manual's backup-server examples do)."""
    found: dict[str, str] = {}
    for volume in view.volumes.values():
        for group in volume.copy_groups:
            found.setdefault(group.copy_group, volume.device)
    return found


def entry_dict(entry: CatalogEntry, devices: dict[str, str] | None = None) -> dict:
    devices = devices or {}
    return {
        "backup_id": entry.backup_id, "original_id": entry.original_id,
        "origin_host": entry.origin_host, "mode": entry.mode, "object_type": entry.object_type,
        "instances": list(entry.instances), "generation": entry.generation,
        "copy_groups": list(entry.copy_groups), "started_at": entry.started_at.isoformat(),
        "ended_at": entry.ended_at.isoformat(), "comment": entry.comment, "media": entry.media,
        "rows": [{"kind": r.kind, "file": r.file, "file_system": r.file_system,
                  "disk_group": r.disk_group, "device": devices.get(r.copy_group, r.device),
                  "copy_group": r.copy_group}
                 for r in entry.rows],
    }


def select_entries(view: HostView, targets=(), backup_id=None, comment=None) -> list[dict]:
    """Live entries, oldest first, filtered by instance, backup ID and comment."""
    if backup_id is not None:
        candidates = [view.catalog[backup_id]] if backup_id in view.catalog else []
    else:
        candidates = sorted(view.catalog.values(), key=lambda e: e.backup_id)
    wanted, devices = set(targets), own_devices(view)
    return [entry_dict(e, devices) for e in candidates
            if (not wanted or wanted & set(e.instances))
            and (comment is None or e.comment == comment)]


def list_file_system_catalog(command: ListFileSystemCatalog, context: AgentContext) -> dict:
    return {"entries": select_entries(context.view, targets_of(context, command.targets),
                                      command.backup_id, command.comment)}


def list_catalog(command: ListCatalog, context: AgentContext) -> dict:
    return {"entries": select_entries(context.view, (), command.backup_id, command.comment)}


def display_dictionary_maps(command: DisplayDictionaryMaps, context: AgentContext) -> dict:
    volumes = list(context.view.volumes.values())
    if command.target:
        wanted = targets_of(context, (command.target,))[0]
        volumes = [v for v in volumes if v.mount_point == wanted]
    return {"volumes": [v.model_dump(mode="json") for v in volumes],
            "refreshed_seq": context.view.maps_refreshed_seq}


def list_copy_groups(command: ListCopyGroups, context: AgentContext) -> dict:
    rows = []
    for name in sorted(context.view.copy_groups):
        state = context.view.copy_groups[name]
        rows.append({
            "copy_group": name, "locked": state.locked, "locked_by": state.locked_by,
            "backup_id": state.backup_id or state.lock_backup_id,
            "generation": state.generation, "copy_type": state.copy_type,
            "status": state.status, "mount_point": state.mount_point,
            "mounted_at": state.mounted_at,
            "last_backup_at": state.last_backup_at.isoformat() if state.last_backup_at else None,
        })
    return {"copy_groups": rows}


FS_QUERY_HANDLERS = (
    (ListFileSystemCatalog, list_file_system_catalog),
    (ListCatalog, list_catalog),
    (DisplayDictionaryMaps, display_dictionary_maps),
    (ListCopyGroups, list_copy_groups),
)
