"""Lineage of a backup across hosts: every catalog entry that carries the same original backup.

A pure fold over the hosts' streams. An entry-creating event is any event whose payload has
``backup_id``, ``original_id`` and ``origin_host`` (``BackupRecorded``, ``BackupImported``, and
the tape entries that keep the same fields); ``BackupEntryDeleted`` marks an entry no longer
live. The lineage of ``(host, backup_id)`` is every entry, on any host, with that entry's
``(origin_host, original_id)``, in the order they were recorded (event time, then host and seq).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable, Mapping

from events import EventEnvelope

ENTRY_KEYS = ("backup_id", "original_id", "origin_host")


@dataclass(frozen=True)
class LineageEntry:
    host: str
    seq: int
    event_type: str
    event_hash: str
    occurred_at: datetime
    backup_id: str
    original_id: str
    origin_host: str
    media: str
    source_host: str = ""
    source_backup_id: str = ""
    source_event_hash: str = ""
    live: bool = True


def entries_of(events: Iterable[EventEnvelope]) -> list[LineageEntry]:
    """The entries one host's stream created, each marked live or not."""
    found: dict[str, LineageEntry] = {}
    for event in events:
        payload = event.payload
        if all(key in payload for key in ENTRY_KEYS):
            found[f"{payload['backup_id']}@{event.seq}"] = LineageEntry(
                event.host, event.seq, event.type, event.hash, event.occurred_at,
                payload["backup_id"], payload["original_id"], payload["origin_host"],
                payload.get("media", ""), payload.get("source_host", ""),
                payload.get("source_backup_id", ""), payload.get("source_event_hash", ""))
        elif event.type == "BackupEntryDeleted":
            for key, entry in found.items():
                if entry.backup_id == payload["backup_id"] and entry.live:
                    found[key] = replace(entry, live=False)
    return list(found.values())


def lineage(entries: Mapping[str, list[LineageEntry]], host: str,
            backup_id: str) -> list[LineageEntry]:
    """Every entry descending from the same original as ``backup_id`` on ``host`` (empty when
    ``host`` never recorded that backup ID)."""
    start = [e for e in entries.get(host, []) if e.backup_id == backup_id]
    if not start:
        return []
    key = (start[-1].origin_host, start[-1].original_id)
    related = [e for found in entries.values() for e in found
               if (e.origin_host, e.original_id) == key]
    return sorted(related, key=lambda e: (e.occurred_at, e.host, e.seq))
