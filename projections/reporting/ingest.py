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
- ``seq > last + MAX_SEQ_JUMP`` (``events.limits``): quarantined (alert ``quarantined``, the
  raw body kept in ``BatchChanges.quarantined``), neither stored nor folded; the chain does not
  move, so one forged event with a huge seq cannot open a gap no agent could ever fill.
- An event type this code does not know: stored and folded (it only moves the position),
  alert ``unknown-type`` (a note, not an integrity problem). A record that is not an event at
  all: alert ``undecodable``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

import orjson

from events import REGISTRY
from events.canonical import GENESIS_HASH
from events.limits import MAX_SEQ_JUMP
from events.outcomes import OUTCOME_TYPES
from projections.host_view import HostView
from projections.reporting.decoding import Received, Undecodable, decode
from adapters.gc_pause import gc_paused
from projections.reporting.folding import fold_event
from projections.reporting.head_check import HeadCheck
from projections.reporting.row_cache import RowCache
from projections.reporting.view_rows import Rows

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
    quarantined: list[tuple] = field(default_factory=list)  # host, seq, reason, body, offset
    changed_rows: list[tuple] = field(default_factory=list)  # host, view, key, data
    removed_rows: list[tuple] = field(default_factory=list)  # host, view, key
    hosts: list[HostChain] = field(default_factory=list)
    position: int | None = None
    started: set[str] = field(default_factory=set)
    duplicates: int = 0
    received: int = 0
    heads: dict = field(default_factory=dict)  # host -> last verified SignedHead (ADR 0005)


HashLookup = Callable[[str, int], "str | None"]
ViewLoader = Callable[[str], HostView]
EventSink = Callable[[list[tuple]], None]


def _text(payload: dict, name: str) -> str | None:
    value = payload.get(name)
    return value if isinstance(value, str) else None


class Ingestor:
    """Holds each host's chain state and view; ``lookup(host, seq)`` gives the hash stored for
    an event already applied (duplicates are rare, so the store is asked only then).

    Views are loaded lazily: a host whose chain is given but whose view is not is rebuilt with
    ``load_view(host)`` (the view its stored events fold into) when the first event that must
    be folded into it arrives, so a host without new events costs nothing. With ``load_rows``
    (the rows the store holds for a host), a view so loaded is written as a diff from those rows
    rather than taken as already written: rows an older fold, or older view names, left behind
    are brought to what this fold makes with the host's first batch (``RowCache``).
    """

    def __init__(self, lookup: HashLookup, chains: Iterable[HostChain] = (),
                 views: Iterable[HostView] = (), load_view: ViewLoader | None = None,
                 head_check: HeadCheck | None = None,
                 load_rows: Callable[[str], Rows] | None = None) -> None:
        self.lookup = lookup
        self.load_rows = load_rows
        self.head_check = head_check
        self.load_view = load_view
        self.chains = {chain.host: chain for chain in chains}
        self.views: dict[str, HostView] = {}
        self.written: dict[str, RowCache] = {}
        for view in views:
            self._keep(view, written=True)
        self.unloaded = {host for host in self.chains if host not in self.views} \
            if load_view is not None else set()

    def _keep(self, view: HostView, written: bool | Rows) -> HostView:
        self.views[view.host] = view
        self.written[view.host] = RowCache(view, written)
        return view

    def replace_view(self, view: HostView) -> None:
        """Put ``view`` in place of the host's live view, its rows already stored (a heal)."""
        self.unloaded.discard(view.host)
        self._keep(view, written=True)

    def view(self, host: str) -> HostView:
        """The live view of ``host``, loaded (or started empty) on first use."""
        view = self.views.get(host)
        if view is not None:
            return view
        if host in self.unloaded:
            view = self._keep(self.load_view(host), written=True if self.load_rows is None
                              else self.load_rows(host))
            self.unloaded.discard(host)
            return view
        return self._keep(HostView(host), written=False)

    def ingest(self, records: Iterable[SourceRecord], on_events: EventSink | None = None,
               every: int = 1000) -> BatchChanges:
        """The changes of one batch. ``on_events``, when given, receives every event row of
        the batch once, in order: those made by each ``every`` records as soon as they are
        made (a writer can store them while the rest is folded), the last when the records
        end. The result holds every row either way."""
        changes = BatchChanges()
        touched: dict[str, HostChain] = {}
        batch_hashes: dict[tuple[str, int], str] = {}
        sent = 0
        with gc_paused():
            for record in records:
                changes.received += 1
                if record.offset is not None:
                    changes.position = record.offset
                self._one(record, changes, touched, batch_hashes)
                if on_events is not None and changes.received % every == 0:
                    on_events(changes.events[sent:])
                    sent = len(changes.events)
        if on_events is not None:
            on_events(changes.events[sent:])
        if self.head_check is not None:
            self.head_check.finish(changes, self.chains)
        for host, chain in touched.items():
            changes.hosts.append(replace(chain))  # a copy: the next batch moves the live one
            changed, removed = self.written[host].changes()
            changes.changed_rows += [(host, v, k, text) for v, k, text in changed]
            changes.removed_rows += [(host, v, k) for v, k in removed]
        return changes

    def _one(self, record: SourceRecord, changes: BatchChanges, touched: dict,
             batch_hashes: dict) -> None:
        received = decode(record.body)
        if isinstance(received, Undecodable):
            changes.alerts.append((*received.where, "undecodable", received.problem,
                                   record.offset))
            return
        event, content_hash = received.fields, received.content_hash
        host, seq, hash_ = event["host"], event["seq"], event["hash"]
        chain = self.chains.get(host) or self.chains.setdefault(host, HostChain(host))
        alerts, offset = changes.alerts, record.offset
        if seq <= chain.last_seq:
            stored = batch_hashes.get((host, seq)) or self.lookup(host, seq)
            if stored == hash_ and content_hash == hash_:
                changes.duplicates += 1
            elif stored is not None:
                alerts.append((host, seq, "duplicate-conflict",
                               f"seq {seq} arrived again with other content (content hash "
                               f"{content_hash[:12]}…, stored {stored[:12]}…); not applied",
                               offset))
            else:
                alerts.append((host, seq, "late-event", f"seq {seq} arrived after seq "
                               f"{chain.last_seq}; stored, not folded into the live views",
                               offset))
                changes.events.append(_event_row(received, folded=False))
                batch_hashes[(host, seq)] = hash_
            return
        if seq > chain.last_seq + MAX_SEQ_JUMP:
            reason = (f"seq {seq} is more than {MAX_SEQ_JUMP} past seq {chain.last_seq}, the "
                      f"highest seen for {host}; quarantined, not applied")
            quarantine(changes, record, host, seq, reason)
            return
        view = self.view(host)  # before the chain moves: a lazy load reads the store
        touched[host] = chain
        if seq > chain.last_seq + 1:
            missing = f"{chain.last_seq + 1}..{seq - 1}"
            alerts.append((host, seq, "gap", f"seq {missing} missing before seq {seq}", offset))
            chain.distrust(chain.last_seq + 1, f"gap: seq {missing} missing")
        elif event["prev_hash"] != chain.last_hash:
            alerts.append((host, seq, "chain-broken",
                           f"prev_hash of seq {seq} does not link to seq {seq - 1}", offset))
            chain.distrust(seq, "chain broken")
        if content_hash != hash_:
            alerts.append((host, seq, "hash-mismatch",
                           f"content of seq {seq} does not match its hash (edited)", offset))
            chain.distrust(seq, "hash mismatch")
        type_, version = event["type"], event["version"]
        if not REGISTRY.known(type_):
            alerts.append((host, seq, "unknown-type", f"event type {type_!r} v{version} is not "
                           f"known here; stored, folded as a no-op", offset))
        changes.events.append(_event_row(received, folded=True))
        batch_hashes[(host, seq)] = hash_
        if event["command_id"] is not None:
            self._command(event, changes)
        failure = fold_event(view, seq, type_, version, event["payload"])
        if failure:
            alerts.append((host, seq, "fold-error", f"{type_} could not be folded: {failure}",
                           offset))
            chain.distrust(seq, "event the fold cannot read")
        chain.last_seq, chain.last_hash = seq, hash_
        if received.signed_head is not None and self.head_check is not None:
            self.head_check.check(event, received.signed_head, chain, changes, offset)

    @staticmethod
    def _command(event: dict, changes: BatchChanges) -> None:
        command_id = event["command_id"]
        if command_id not in changes.started:
            changes.started.add(command_id)
            changes.starts.append((command_id, event["host"], event["principal"], event["seq"],
                                   event["occurred_at"]))
        if event["type"] in OUTCOME_TYPES:
            payload = event["payload"]
            changes.outcomes.append((_text(payload, "command"), event["type"],
                                     _text(payload, "message_id"), _text(payload, "text"),
                                     event["occurred_at"], command_id))


def quarantine(changes: BatchChanges, record: SourceRecord, host: str | None, seq: int | None,
               reason: str) -> None:
    """Set ``record`` aside in ``changes``: a quarantine row with its raw body, and an alert
    ``quarantined`` naming host and seq. ``host``/``seq`` must fit their columns (or be None)."""
    changes.quarantined.append((host, seq, reason, raw_body(record.body), record.offset))
    changes.alerts.append((host, seq, "quarantined", reason, record.offset))


def raw_body(body: bytes | str | dict) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", "backslashreplace")
    try:
        return orjson.dumps(body)
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return repr(body).encode("utf-8", "backslashreplace")


def _event_row(received: Received, folded: bool) -> tuple:
    event = received.fields
    get = event["payload"].get
    backup_id, original_id, origin_host = get("backup_id"), get("original_id"), get("origin_host")
    return (event["host"], event["seq"], event["event_id"], event["type"], event["version"],
            event["occurred_at"], event["command_id"], event["correlation_id"],
            event["causation_id"], event["principal"], received.payload_json,
            event["prev_hash"], event["hash"], REGISTRY.known(event["type"]), folded,
            backup_id if isinstance(backup_id, str) else None,
            original_id if isinstance(original_id, str) else None,
            origin_host if isinstance(origin_host, str) else None)


EVENT_COLUMNS = ("host", "seq", "event_id", "type", "version", "occurred_at", "command_id",
                 "correlation_id", "causation_id", "principal", "payload", "prev_hash", "hash",
                 "known", "folded", "backup_id", "original_id", "origin_host")


