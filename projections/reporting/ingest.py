"""``Ingestor.ingest(records) -> BatchChanges``: the pure heart of the audit consumer.

For each record of the shared log it decides, without I/O, what the reporting store must write
in the batch's one transaction: the event row, the command and outcome rows, integrity alerts,
the changed rows of the host's views, the host's chain state, and the new position.

Checks, per host (ADR 0001):
- ``seq == last + 1`` and ``prev_hash`` links to the last hash: applied.
- ``seq <= last``: a duplicate. The same hash as the stored event: dropped, counted. Another
  hash: alert ``duplicate-conflict``, not applied. Never stored (a late event that fills a gap):
  alert ``late-event``, stored but not folded (the live views had moved on).
- ``seq > last + 1``: alert ``gap`` naming the missing range; the event is applied and the
  host's views are untrusted from the first missing seq.
- ``prev_hash`` does not link: alert ``chain-broken``; a hash that does not match the event's
  content: alert ``hash-mismatch``. Both apply the event and mark the views untrusted from it.
- An event type this code does not know: stored and folded (it only moves the position),
  alert ``unknown-type`` (a note, not an integrity problem). A record that is not an event at
  all: alert ``undecodable``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

import orjson
from pydantic import ValidationError

from events import REGISTRY, EventEnvelope
from events.canonical import GENESIS_HASH, canonical_bytes
from events.outcomes import OUTCOME_TYPES
from projections.host_view import HostView
from projections.reporting.folding import fold_event, load_fold_modules
from projections.reporting.view_rows import Rows, diff, view_rows

NOTE_KINDS = frozenset({"unknown-type", "gap-filled"})  # reported, not a fault of the history


@dataclass(frozen=True)
class SourceRecord:
    """One message of a source: its position there (stream offset; ``None`` for local stores)
    and its body (JSON text or an already parsed dict)."""

    offset: int | None
    body: bytes | str | dict


@dataclass
class HostChain:
    host: str
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    untrusted_from: int | None = None
    untrusted_reason: str | None = None

    def distrust(self, seq: int, reason: str) -> None:
        if self.untrusted_from is None or seq < self.untrusted_from:
            self.untrusted_from, self.untrusted_reason = seq, reason


@dataclass
class BatchChanges:
    events: list[tuple] = field(default_factory=list)
    starts: list[tuple] = field(default_factory=list)  # command_id, host, principal, seq, at
    outcomes: list[tuple] = field(default_factory=list)  # command, outcome, id, text, at, cid
    alerts: list[tuple] = field(default_factory=list)  # host, seq, kind, detail, offset
    changed_rows: list[tuple] = field(default_factory=list)  # host, view, key, data
    removed_rows: list[tuple] = field(default_factory=list)  # host, view, key
    hosts: list[HostChain] = field(default_factory=list)
    position: int | None = None
    started: set[str] = field(default_factory=set)
    duplicates: int = 0
    received: int = 0


HashLookup = Callable[[str, int], "str | None"]


def _text(payload: dict, name: str) -> str | None:
    value = payload.get(name)
    return value if isinstance(value, str) else None


class Ingestor:
    """Holds each host's chain state and view; ``lookup(host, seq)`` gives the hash stored for
    an event already applied (duplicates are rare, so the store is asked only then)."""

    def __init__(self, lookup: HashLookup, chains: Iterable[HostChain] = (),
                 views: Iterable[HostView] = ()) -> None:
        load_fold_modules()
        self.lookup = lookup
        self.chains = {chain.host: chain for chain in chains}
        self.views = {view.host: view for view in views}
        self.written: dict[str, Rows] = {host: view_rows(v) for host, v in self.views.items()}

    def ingest(self, records: Iterable[SourceRecord]) -> BatchChanges:
        changes = BatchChanges()
        touched: dict[str, HostChain] = {}
        batch_hashes: dict[tuple[str, int], str] = {}
        for record in records:
            changes.received += 1
            if record.offset is not None:
                changes.position = record.offset
            self._one(record, changes, touched, batch_hashes)
        for host, chain in touched.items():
            changes.hosts.append(replace(chain))  # a copy: the next batch moves the live one
            rows = view_rows(self.views[host])
            changed, removed = diff(self.written.get(host, {}), rows)
            changes.changed_rows += [(host, v, k, text) for (v, k), text in changed.items()]
            changes.removed_rows += [(host, v, k) for v, k in removed]
            self.written[host] = rows
        return changes

    def _one(self, record: SourceRecord, changes: BatchChanges, touched: dict,
             batch_hashes: dict) -> None:
        envelope, problem, where = _decode(record.body)
        if envelope is None:
            changes.alerts.append((*where, "undecodable", problem, record.offset))
            return
        host, seq = envelope.host, envelope.seq
        chain = self.chains.get(host) or self.chains.setdefault(host, HostChain(host))
        alert = lambda kind, detail: changes.alerts.append(  # noqa: E731
            (host, seq, kind, detail, record.offset))
        if seq <= chain.last_seq:
            stored = batch_hashes.get((host, seq)) or self.lookup(host, seq)
            if stored == envelope.hash and envelope.expected_hash() == envelope.hash:
                changes.duplicates += 1
            elif stored is not None:
                alert("duplicate-conflict", f"seq {seq} arrived again with other content "
                                            f"(content hash {envelope.expected_hash()[:12]}…, "
                                            f"stored {stored[:12]}…); not applied")
            else:
                alert("late-event", f"seq {seq} arrived after seq {chain.last_seq}; "
                                    f"stored, not folded into the live views")
                changes.events.append(_event_row(envelope, folded=False))
                batch_hashes[(host, seq)] = envelope.hash
            return
        touched[host] = chain
        if seq > chain.last_seq + 1:
            missing = f"{chain.last_seq + 1}..{seq - 1}"
            alert("gap", f"seq {missing} missing before seq {seq}")
            chain.distrust(chain.last_seq + 1, f"gap: seq {missing} missing")
        elif envelope.prev_hash != chain.last_hash:
            alert("chain-broken", f"prev_hash of seq {seq} does not link to seq {seq - 1}")
            chain.distrust(seq, "chain broken")
        if envelope.expected_hash() != envelope.hash:
            alert("hash-mismatch", f"content of seq {seq} does not match its hash (edited)")
            chain.distrust(seq, "hash mismatch")
        if not REGISTRY.known(envelope.type):
            alert("unknown-type", f"event type {envelope.type!r} v{envelope.version} is not "
                                  f"known here; stored, folded as a no-op")
        changes.events.append(_event_row(envelope, folded=True))
        batch_hashes[(host, seq)] = envelope.hash
        self._command(envelope, changes)
        view = self.views.get(host) or self.views.setdefault(host, HostView(host))
        failure = fold_event(view, seq, envelope.type, envelope.version, envelope.payload)
        if failure:
            alert("fold-error", f"{envelope.type} could not be folded: {failure}")
            chain.distrust(seq, "event the fold cannot read")
        chain.last_seq, chain.last_hash = seq, envelope.hash

    @staticmethod
    def _command(envelope: EventEnvelope, changes: BatchChanges) -> None:
        if envelope.command_id is None:
            return
        if envelope.command_id not in changes.started:
            changes.started.add(envelope.command_id)
            changes.starts.append((envelope.command_id, envelope.host, envelope.principal,
                                   envelope.seq, envelope.occurred_at))
        if envelope.type in OUTCOME_TYPES:
            payload = envelope.payload
            changes.outcomes.append((_text(payload, "command"), envelope.type,
                                     _text(payload, "message_id"), _text(payload, "text"),
                                     envelope.occurred_at, envelope.command_id))


def _decode(body: Any) -> tuple[EventEnvelope | None, str, tuple]:
    try:
        data = orjson.loads(body) if isinstance(body, (bytes, str)) else body
    except orjson.JSONDecodeError as error:
        return None, f"malformed JSON: {error}", (None, None)
    if not isinstance(data, dict):
        return None, "an event must be a JSON object", (None, None)
    host, seq = data.get("host"), data.get("seq")
    where = (host if isinstance(host, str) else None, seq if isinstance(seq, int) else None)
    try:
        return EventEnvelope.model_validate(data), "", where
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "(root)"
        return None, f"field {name}: {first['msg']}", where


def _event_row(envelope: EventEnvelope, folded: bool) -> tuple:
    payload = envelope.payload
    return (envelope.host, envelope.seq, envelope.event_id, envelope.type, envelope.version,
            envelope.occurred_at, envelope.command_id, envelope.correlation_id,
            envelope.causation_id, envelope.principal, canonical_bytes(payload).decode(),
            envelope.prev_hash, envelope.hash, REGISTRY.known(envelope.type), folded,
            _text(payload, "backup_id"), _text(payload, "original_id"),
            _text(payload, "origin_host"))


EVENT_COLUMNS = ("host", "seq", "event_id", "type", "version", "occurred_at", "command_id",
                 "correlation_id", "causation_id", "principal", "payload", "prev_hash", "hash",
                 "known", "folded", "backup_id", "original_id", "origin_host")


