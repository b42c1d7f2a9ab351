"""The history of a lineage: every event on any host that acted on one of its entries (issue 13:
"the catalog, log chains and states ... appear in ``drm lineage``").

Pure, over the hosts' streams and the lineage's entries (``projections.lineage``). On each host,
an event belongs to the history when

- its payload names a lineage entry of that host (``backup_id`` or ``source_backup_id``: log
  backups in the entry's chain, restores, metafiles packed or extracted, exports, tape copies,
  mounts, resyncs, deletions), or, on the lineage's origin host, its ``original_id`` (log
  backups and roll-forwards of the chain);
- or it starts a recovery (``SqlRecoveryRequested``) of an instance whose last restore on that
  host was of a lineage entry (a recovery names no backup: it recovers what was restored);
- or it belongs to a workflow one of the events above belongs to (``workflow_id``): the
  backup's freeze, split, thaw and metafiles; the restore's instance stop, metadata apply and
  database states; the recovery's roll-forwards and states.

The entry-creating events themselves are the lineage's rows, not repeated here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from events import EventEnvelope
from projections.lineage import LineageEntry

DETAIL_KEYS = ("instance", "target_instance", "database", "databases", "copy_group",
               "copy_groups", "first_lsn", "last_lsn", "chain_seq", "finish", "previous",
               "state", "direction", "mount_point", "reason")
DETAIL_MAX = 160  # characters of one event's detail


@dataclass(frozen=True)
class HistoryEvent:
    host: str
    seq: int
    event_type: str
    event_hash: str
    occurred_at: datetime
    backup_id: str  # the lineage entry it names, or "" (an event of a linked workflow)
    workflow_id: str
    detail: str


def detail_of(payload: Mapping) -> str:
    """A short ``key=value`` summary of the fields a reader of a history looks for."""
    parts = []
    for key in DETAIL_KEYS:
        value = payload.get(key)
        if value in (None, "", (), []):
            continue
        if isinstance(value, (list, tuple)):  # records (SqlBackupDetails) by their name
            value = ",".join(str(v.get("name", "?")) if isinstance(v, Mapping) else str(v)
                             for v in value)
        parts.append(f"{key}={value}")
    text = " ".join(parts)
    return text if len(text) <= DETAIL_MAX else text[:DETAIL_MAX - 1] + "…"


def _names_entry(payload: Mapping, ids: set[str], original: str | None, origin: str) -> str:
    for key in ("backup_id", "source_backup_id"):
        value = payload.get(key)
        if isinstance(value, str) and value in ids:
            return value
    if original is not None and payload.get("original_id") == original \
            and payload.get("origin_host", origin).lower() == origin.lower():
        return payload.get("backup_id") or original
    return ""


def host_history(host: str, events: list[EventEnvelope], entries: list[LineageEntry]
                 ) -> list[HistoryEvent]:
    """The history events of one host's stream (see the module docstring)."""
    ids = {e.backup_id for e in entries if e.host == host}
    creating = {e.seq for e in entries if e.host == host}
    origin = entries[0].origin_host if entries else ""
    original = entries[0].original_id if entries and origin.lower() == host.lower() else None
    direct: dict[int, str] = {}
    workflows: set[str] = set()
    restored: dict[str, str] = {}  # instance -> backup ID of its last restore on this host
    for event in events:
        payload = event.payload
        named = _names_entry(payload, ids, original, origin)
        linked = bool(named)
        if event.type == "SqlRestoreCompleted":
            restored[str(payload.get("target_instance", "")).lower()] = payload["backup_id"]
        elif event.type == "SqlRecoveryRequested":
            last = restored.get(str(payload.get("instance", "")).lower(), "")
            linked, named = linked or last in ids, named or (last if last in ids else "")
        if linked:
            direct[event.seq] = named
            if payload.get("workflow_id"):
                workflows.add(payload["workflow_id"])
    return [HistoryEvent(host, e.seq, e.type, e.hash, e.occurred_at, direct.get(e.seq, ""),
                         e.payload.get("workflow_id", ""), detail_of(e.payload))
            for e in events
            if e.seq not in creating
            and (e.seq in direct or e.payload.get("workflow_id", "") in workflows)]


def history(streams: Mapping[str, Iterable[EventEnvelope]],
            entries: list[LineageEntry]) -> list[HistoryEvent]:
    """The history of a lineage over every host's stream, in time order (then host, seq)."""
    hosts = {e.host for e in entries}
    found = [h for host, events in streams.items() if host in hosts
             for h in host_history(host, list(events), entries)]
    return sorted(found, key=lambda h: (h.occurred_at, h.host, h.seq))
