"""``apply(view, envelope) -> view``: the fold of one host's stream into its ``HostView``.

Deterministic and free of I/O: the same events give the same view, whether the agent keeps it
live or a replay rebuilds it from seq 1. ``apply`` updates ``view`` in place and returns it, so
a rebuild costs no copies.

This module is the one place where the areas of the fold are assembled (``AREAS``): each area
is an ``AreaFold`` in ``projections.host.<area>`` whose mutators are keyed by payload model.
``HostFold`` raises ``DuplicateMutator`` when two areas claim one event type. Event types that
only move the position (outcomes, exports, snapshots) are listed in ``POSITION_ONLY``; a test
checks that every registered event type is in exactly one of the two. To add an area (SQL Server,
PostgreSQL, …): write ``projections/host/<area>.py`` with its ``fold = AreaFold("<area>")``
and its mutators, and add that ``fold`` to ``AREAS`` here.

The fold reads payloads as the JSON dicts they are stored as (brought to the current version by
the registry's upcasters), seen as instances of their payload model without validation
(``area.stored_reader``): events are validated when they are written (typed drafts) or received
(``decode_event``), so a rebuild does not validate each again. That keeps a rebuild of a long
stream fast (``apply_raw`` needs no envelope at all). ``HostFold(AREAS, typed=True)`` validates
each payload instead; the tests check that both give the same views.
"""
from __future__ import annotations

from typing import Any, Iterable

from events import REGISTRY, EventEnvelope, EventRegistry
from events import cluster, definitions, extended, outcomes, snapshots, transfer, user_script
from events.base import Payload
from adapters.gc_pause import gc_paused
from projections.host import catalog, copy_groups, devices, maps, tape, workflows
from projections.host import pairs as pairs_area
from projections.host import postgres as postgres_area  # issue 14: pg-commands
from projections.host import applications, sqlserver  # issue 13 (sql-backup)
from projections.host import transfer as transfer_area
from projections.host import sql_logs as sql_logs_area  # SQL restore and logs (issue 13)
from events import sql_restore  # SQL restore and logs (issue 13)
from projections.host.area import (AreaFold, DuplicateMutator, Mutator, Reader,
                                   stored_reader)
from projections.host_view import HostView

AREAS: tuple[AreaFold, ...] = (catalog.fold, copy_groups.fold, maps.fold, workflows.fold,
                               tape.fold, transfer_area.fold, devices.fold,
                               pairs_area.fold,  # CCI pair commands (issue 11)
                               applications.fold, sqlserver.fold,  # issue 13 (sql-backup)
                               sql_logs_area.fold,  # SQL restore and logs (issue 13)
                               postgres_area.fold)  # PostgreSQL (issue 14: pg-commands)

POSITION_ONLY: frozenset[type[Payload]] = frozenset({
    outcomes.CommandCompleted, outcomes.CommandFailed, outcomes.CommandRejected,
    transfer.BackupExported, snapshots.HostViewSnapshotted, *devices.POSITION_ONLY,
    extended.OperationCommandStarted, extended.OperationBackupIdSet,
    extended.ExportFileTransferred, user_script.UserScriptCommandStarted,
    user_script.UserScriptCommandEnded,
    cluster.ClusterNodeActivated,  # which node serves a virtual server: history, not state
    definitions.DefinitionChecked,  # a check tool passed a definition file: history
    definitions.ConfigurationUsed,  # the configuration files a pair command ran under
    sql_restore.SqlMetafilesMoved,  # EX_DRM_SQLFILE_PACK/_EXTRACT: history (issue 13)
})
"""Registered event types that change no host state: they only move the view's position."""


class HostFold:
    """The areas' mutators by wire name; raises ``DuplicateMutator`` when two areas claim one
    model, and ``ValueError`` for a model the registry does not know."""

    def __init__(self, areas: Iterable[AreaFold], registry: EventRegistry = REGISTRY,
                 typed: bool = False) -> None:
        self.registry = registry
        self.typed = typed
        self.claimed_by: dict[type[Payload], str] = {}
        self._by_name: dict[str, tuple[Reader, Mutator]] = {}
        for area in areas:
            for model, mutator in area.mutators.items():
                self._claim(area.name, model, mutator)

    def _claim(self, area: str, model: type[Payload], mutator: Mutator) -> None:
        if model in self.claimed_by:
            raise DuplicateMutator(f"{model.__name__} is claimed by the areas "
                                   f"{self.claimed_by[model]!r} and {area!r}")
        try:
            name = self.registry.draft_type(model)
        except KeyError:
            raise ValueError(f"area {area!r}: {model.__name__} is not a registered event "
                             f"type") from None
        self.claimed_by[model] = area
        read = model.model_validate if self.typed else stored_reader(model)
        self._by_name[name] = (read, mutator)

    def apply_raw(self, view: HostView, seq: int, type_: str, version: int,
                  payload: dict[str, Any]) -> HostView:
        """Apply one event given by its parts (the rebuild path reads only these columns)."""
        if seq != view.seq + 1:
            raise ValueError(f"host {view.host}: expected seq {view.seq + 1}, got {seq}")
        found = self._by_name.get(type_)
        if found is not None:
            read, mutator = found
            if version != self.registry.current_version(type_):
                payload = self.registry.upcast(type_, version, payload, view.host, seq)
            mutator(view, read(payload), seq)
        view.seq = seq
        return view


HOST_FOLD = HostFold(AREAS)


def apply(view: HostView, envelope: EventEnvelope) -> HostView:
    if envelope.host != view.host:
        raise ValueError(f"event of host {envelope.host} applied to the view of {view.host}")
    return HOST_FOLD.apply_raw(view, envelope.seq, envelope.type, envelope.version,
                               envelope.payload)


def apply_raw(view: HostView, seq: int, type_: str, version: int,
              payload: dict[str, Any]) -> HostView:
    """Apply one event given by its parts (the rebuild path reads only these columns)."""
    return HOST_FOLD.apply_raw(view, seq, type_, version, payload)


def fold(host: str, events: Iterable[EventEnvelope], view: HostView | None = None) -> HostView:
    view = view or HostView(host)
    for envelope in events:
        apply(view, envelope)
    return view


def rebuild(store, host: str, view: HostView | None = None, page: int = 10_000) -> HostView:
    """The view of ``host`` from its stored stream (or from ``view``'s position on), page by
    page. The cyclic GC is paused while the long-lived view grows: it holds no cycles, and
    re-walking it after every page would cost more than the fold itself."""
    view = view or HostView(host)
    step = HOST_FOLD.apply_raw
    with gc_paused():
        while batch := store.read_payloads(host, view.seq, page):
            for seq, type_, version, payload in batch:
                step(view, seq, type_, version, payload)
    return view
