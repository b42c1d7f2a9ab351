"""``apply(view, envelope) -> view``: the fold of one host's stream into its ``HostView``.

Deterministic and free of I/O: the same events give the same view, whether the agent keeps it
live or a replay rebuilds it from seq 1. Events of other types (outcomes, host info) only move
the position. ``apply`` updates ``view`` in place and returns it, so a rebuild costs no copies.

The fold reads payloads as the JSON dicts they are stored as (brought to the current version by
the registry's upcasters), through attribute access: events are validated when they are written
(typed drafts) or received (``decode_event``), so a rebuild does not validate each again. That
keeps a rebuild of a long stream fast (``apply_raw`` needs no envelope at all).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable

from events import REGISTRY, EventEnvelope
from events import filesystem as fs
from events.base import Payload
from events.maps import DictionaryMapRefreshed, VolumeMap
from projections.host_view import CatalogEntry, CatalogRow, HostView, Workflow


class Fields:
    """Attribute access to a payload dict (``event.backup_id``), without validation or copy:
    the dict becomes the object's ``__dict__``."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.__dict__ = payload


Mutator = Callable[[HostView, Fields, int], None]
_MUTATORS: dict[str, Mutator] = {}


def _on(model: type[Payload]):
    name = REGISTRY.draft_type(model)

    def register(function: Mutator) -> Mutator:
        _MUTATORS[name] = function
        return function

    return register


def apply(view: HostView, envelope: EventEnvelope) -> HostView:
    if envelope.host != view.host:
        raise ValueError(f"event of host {envelope.host} applied to the view of {view.host}")
    return apply_raw(view, envelope.seq, envelope.type, envelope.version, envelope.payload)


def apply_raw(view: HostView, seq: int, type_: str, version: int,
              payload: dict[str, Any]) -> HostView:
    """Apply one event given by its parts (the rebuild path reads only these columns)."""
    if seq != view.seq + 1:
        raise ValueError(f"host {view.host}: expected seq {view.seq + 1}, got {seq}")
    mutator = _MUTATORS.get(type_)
    if mutator is not None:
        if version != REGISTRY.current_version(type_):
            payload = REGISTRY.upcast(type_, version, payload, view.host, seq)
        mutator(view, Fields(payload), seq)
    view.seq = seq
    return view


def fold(host: str, events: Iterable[EventEnvelope], view: HostView | None = None) -> HostView:
    view = view or HostView(host)
    for envelope in events:
        apply(view, envelope)
    return view


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@_on(DictionaryMapRefreshed)
def _maps(view: HostView, event: Fields, seq: int) -> None:
    volumes = [VolumeMap.model_validate(volume) for volume in event.volumes]  # rare: typed
    view.volumes = {volume.mount_point: volume for volume in volumes}
    view.maps_refreshed_seq = seq
    for volume in volumes:
        for group in volume.copy_groups:
            state = view.copy_group(group.copy_group)
            state.copy_type, state.generation = group.copy_type, group.generation
            if group.role == "P-VOL":
                state.mount_point = volume.mount_point


@_on(fs.BackupRequested)
def _backup_requested(view: HostView, event: Fields, seq: int) -> None:
    view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    view.workflows[event.workflow_id] = Workflow(
        event.workflow_id, "backup", event.backup_id, tuple(event.copy_groups),
        tuple(event.instances), seq)


@_on(fs.RestoreRequested)
def _restore_requested(view: HostView, event: Fields, seq: int) -> None:
    view.workflows[event.workflow_id] = Workflow(
        event.workflow_id, "restore", event.backup_id, tuple(event.copy_groups),
        tuple(event.instances), seq)


def _end(view: HostView, workflow_id: str, how: str) -> None:
    workflow = view.workflows.get(workflow_id)
    if workflow is not None:
        workflow.ended = how
        workflow.open_steps.clear()


@_on(fs.BackupAborted)
def _backup_aborted(view: HostView, event: Fields, seq: int) -> None:
    _end(view, event.workflow_id, "aborted")


@_on(fs.RestoreCompleted)
def _restore_completed(view: HostView, event: Fields, seq: int) -> None:
    _end(view, event.workflow_id, "completed")


@_on(fs.RestoreAborted)
def _restore_aborted(view: HostView, event: Fields, seq: int) -> None:
    _end(view, event.workflow_id, "aborted")


def _open(view: HostView, workflow_id: str, key: str, kind: str) -> None:
    workflow = view.workflows.get(workflow_id)
    if workflow is not None:
        workflow.open_steps[key] = kind


def _close(view: HostView, workflow_id: str, key: str) -> Workflow | None:
    workflow = view.workflows.get(workflow_id)
    if workflow is not None:
        workflow.open_steps.pop(key, None)
    return workflow


@_on(fs.PairResyncRequested)
def _resync_requested(view: HostView, event: Fields, seq: int) -> None:
    _open(view, event.workflow_id, f"resync:{event.copy_group}", "PairResyncRequested")
    view.copy_group(event.copy_group).status = "RCPY" if event.direction == "reverse" else "COPY"


@_on(fs.PairResynced)
def _resynced(view: HostView, event: Fields, seq: int) -> None:
    _close(view, event.workflow_id, f"resync:{event.copy_group}")
    view.copy_group(event.copy_group).status = event.status


@_on(fs.PairSplitRequested)
def _split_requested(view: HostView, event: Fields, seq: int) -> None:
    _open(view, event.workflow_id, f"split:{event.copy_group}", "PairSplitRequested")


@_on(fs.PairSplit)
def _split(view: HostView, event: Fields, seq: int) -> None:
    workflow = _close(view, event.workflow_id, f"split:{event.copy_group}")
    if workflow is not None:
        workflow.split_done.add(event.copy_group)
    view.copy_group(event.copy_group).status = event.pvol_status


@_on(fs.PairStepFailed)
def _pair_failed(view: HostView, event: Fields, seq: int) -> None:
    _close(view, event.workflow_id, f"{event.operation}:{event.copy_group}")
    _close(view, event.workflow_id, f"resync:{event.copy_group}")
    if event.status:
        view.copy_group(event.copy_group).status = event.status


@_on(fs.VolumeUnmountRequested)
def _unmount_requested(view: HostView, event: Fields, seq: int) -> None:
    _open(view, event.workflow_id, f"unmount:{event.mount_point}", "VolumeUnmountRequested")


@_on(fs.VolumeUnmounted)
def _unmounted(view: HostView, event: Fields, seq: int) -> None:
    workflow = _close(view, event.workflow_id, f"unmount:{event.mount_point}")
    if workflow is not None:
        workflow.unmounted.add(event.mount_point)


@_on(fs.VolumeMountRequested)
def _mount_requested(view: HostView, event: Fields, seq: int) -> None:
    _open(view, event.workflow_id, f"mount:{event.mount_point}", "VolumeMountRequested")


@_on(fs.VolumeMounted)
def _mounted(view: HostView, event: Fields, seq: int) -> None:
    workflow = _close(view, event.workflow_id, f"mount:{event.mount_point}")
    if workflow is not None:
        workflow.unmounted.discard(event.mount_point)


@_on(fs.BackupRecorded)
def _recorded(view: HostView, event: Fields, seq: int) -> None:
    view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    rows = tuple(CatalogRow(r["kind"], r["file"], r["file_system"], r["disk_group"],
                            r["device"], r["copy_group"]) for r in event.rows)
    ended_at = _time(event.ended_at)
    copy_groups = tuple(event.copy_groups)
    view.catalog[event.backup_id] = CatalogEntry(
        event.backup_id, event.original_id, event.origin_host, event.mode, event.object_type,
        tuple(event.instances), rows, event.generation, copy_groups, _time(event.started_at),
        ended_at, event.comment, event.media, seq)
    for name in copy_groups:
        state = view.copy_group(name)
        state.backup_id = event.backup_id
        state.last_backup_at, state.last_backup_seq = ended_at, seq
    if event.workflow_id:
        _end(view, event.workflow_id, "completed")
        view.backup_server.media_copies.pop(event.workflow_id, None)  # a tape restore's end


@_on(fs.BackupEntryDeleted)
def _deleted(view: HostView, event: Fields, seq: int) -> None:
    entry = view.catalog.pop(event.backup_id, None)
    if entry is None:
        return
    for name in entry.copy_groups:
        state = view.copy_group(name)
        if state.backup_id == event.backup_id:
            state.backup_id = ""


@_on(fs.CopyGroupLocked)
def _locked(view: HostView, event: Fields, seq: int) -> None:
    state = view.copy_group(event.copy_group)
    state.locked_by, state.lock_backup_id = event.by, event.backup_id


@_on(fs.CopyGroupUnlocked)
def _unlocked(view: HostView, event: Fields, seq: int) -> None:
    state = view.copy_group(event.copy_group)
    state.locked_by, state.lock_backup_id = "", ""


def rebuild(store, host: str, view: HostView | None = None, page: int = 10_000) -> HostView:
    """The view of ``host`` from its stored stream (or from ``view``'s position on), page by
    page. The cyclic GC is paused while the long-lived view grows: it holds no cycles, and
    re-walking it after every page would cost more than the fold itself."""
    from projections.gc_pause import gc_paused

    view = view or HostView(host)
    with gc_paused():
        while batch := store.read_payloads(host, view.seq, page):
            for seq, type_, version, payload in batch:
                apply_raw(view, seq, type_, version, payload)
    return view
from projections import host_fold_transfer  # noqa: E402,F401  (catalog transfer events)
from projections import host_fold_tape  # noqa: E402,F401  (backup-server events: mounts, tape)
