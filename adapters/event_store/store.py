"""The per-host event store on SQLAlchemy 2 (SQLite or PostgreSQL), with its outbox.

Guarantees:
- ``append`` is all-or-nothing. Inside one transaction it checks that the host's stream is still
  at ``expected_seq`` (else ``ConcurrencyError``), seals the drafts onto the stored head (seq,
  event ids, hash chain) and writes the events and their outbox rows. The store is the only place
  that assigns seq numbers and hashes, so a stream can only grow as a valid chain.
- Global positions are assigned in commit order: on PostgreSQL writers take a transaction-scoped
  advisory lock, SQLite serialises writers itself. ``read_all(after)`` therefore never skips an
  event that commits later with a smaller position.
- Every draft's type must be registered with the payload model it carries.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from sqlalchemy import Engine, and_, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from adapters.event_store.tables import events, outbox, streams
from events.canonical import GENESIS_HASH, canonical_json, format_timestamp, loads
from events.envelope import EventContext, EventDraft, EventEnvelope, event_id_for, seal
from events.outcomes import OUTCOME_TYPES
from events.registry import REGISTRY, EventRegistry, EventSchemaError

APPEND_LOCK_KEY = 0x64726D01  # "drm" + 1: the advisory lock that orders global positions


class ConcurrencyError(RuntimeError):
    """Another writer appended to the host's stream since ``expected_seq`` was read."""

    def __init__(self, host: str, expected_seq: int, actual_seq: int | None) -> None:
        super().__init__(f"stream of host {host} is at seq {actual_seq}, expected {expected_seq}")
        self.host, self.expected_seq, self.actual_seq = host, expected_seq, actual_seq


@dataclass(frozen=True)
class StoredEvent:
    position: int
    event: EventEnvelope


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of walking one host's chain. ``first_bad_seq`` is None when the chain is intact."""

    host: str
    checked: int
    head_seq: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


_COLUMNS = (events.c.position, events.c.event_id, events.c.host, events.c.seq, events.c.type,
            events.c.version, events.c.occurred_at, events.c.command_id, events.c.correlation_id,
            events.c.causation_id, events.c.principal, events.c.payload, events.c.prev_hash,
            events.c.hash)


def _envelope(row) -> EventEnvelope:
    """Rebuild an envelope from a trusted row (the store validated it on the way in)."""
    return EventEnvelope.trusted(
        event_id=row[1], host=row[2], seq=row[3], type=row[4], version=row[5],
        occurred_at=row[6], command_id=row[7], correlation_id=row[8], causation_id=row[9],
        principal=row[10], payload=loads(row[11]), prev_hash=row[12], hash=row[13],
    )


_INSERT_KEYS = [c.name for c in events.columns if c.name != "position"]


def _row(event: EventEnvelope, timestamp_as_text: bool, positional: bool) -> dict | tuple:
    """Driver parameters for one event (type processing is bypassed, so it is done here)."""
    row = dict(event.__dict__)
    row["payload"] = canonical_json(event.payload)
    if timestamp_as_text:
        row["occurred_at"] = format_timestamp(event.occurred_at)
    return tuple(row[key] for key in _INSERT_KEYS) if positional else row


class SqlEventStore:
    def __init__(self, engine: Engine, registry: EventRegistry = REGISTRY) -> None:
        self.engine = engine
        self.registry = registry
        self._postgres = engine.dialect.name == "postgresql"
        # Batches go to the driver's executemany directly: SQLAlchemy's per-row parameter
        # processing would cost more than the insert itself.
        self._positional = engine.dialect.positional
        self._insert_sql = str(insert(events).compile(dialect=engine.dialect,
                                                      column_keys=_INSERT_KEYS))

    # -- writing -----------------------------------------------------------------------------
    def append(self, host: str, drafts: Sequence[EventDraft], expected_seq: int,
               context: EventContext) -> list[EventEnvelope]:
        """Seal ``drafts`` after ``expected_seq`` of ``host`` and store them atomically.

        Returns the stored envelopes. Raises ``ConcurrencyError`` if the stream is no longer at
        ``expected_seq`` and ``EventSchemaError`` for a draft whose type is not registered;
        in both cases nothing is written.
        """
        if not drafts:
            return []
        for draft in drafts:
            self._check_draft(host, draft)
        new_head = expected_seq + len(drafts)
        try:
            with self.engine.begin() as conn:
                # The first statement writes, so SQLite takes its write lock before any read.
                moved = conn.execute(
                    update(streams)
                    .where(and_(streams.c.host == host, streams.c.head_seq == expected_seq))
                    .values(head_seq=new_head)).rowcount
                head_hash = self._head_hash(conn, host) if moved else \
                    self._claim_new_stream(conn, host, expected_seq, new_head)
                batch = seal(host, expected_seq, head_hash, drafts, context)
                if self._postgres:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK_KEY})
                conn.exec_driver_sql(self._insert_sql, [_row(event, not self._postgres, self._positional)
                                                      for event in batch])
                conn.execute(insert(outbox).from_select(
                    ["position", "host"],
                    select(events.c.position, events.c.host).where(and_(
                        events.c.host == host, events.c.seq > expected_seq,
                        events.c.seq <= new_head))))
                conn.execute(update(streams).where(streams.c.host == host)
                             .values(head_hash=batch[-1].hash))
        except IntegrityError as error:
            raise ConcurrencyError(host, expected_seq, self.head(host)[0]) from error
        return batch

    @staticmethod
    def _head_hash(conn, host: str) -> str:
        return conn.execute(select(streams.c.head_hash).where(streams.c.host == host)).scalar_one()

    @staticmethod
    def _claim_new_stream(conn, host: str, expected_seq: int, new_head: int) -> str:
        current = conn.execute(select(streams.c.head_seq).where(streams.c.host == host)).first()
        if current is not None or expected_seq != 0:
            raise ConcurrencyError(host, expected_seq, current[0] if current else 0)
        conn.execute(insert(streams).values(host=host, head_seq=new_head, head_hash=GENESIS_HASH))
        return GENESIS_HASH

    def _check_draft(self, host: str, draft: EventDraft) -> None:
        if not self.registry.known(draft.type):
            raise EventSchemaError(host, None, "type", f"unknown event type {draft.type!r}")
        registered = self.registry.model_of(draft.type)
        if type(draft.payload) is not registered:
            raise EventSchemaError(host, None, "payload",
                                   f"{draft.type} needs {registered.__name__}, "
                                   f"got {type(draft.payload).__name__}")

    # -- reading -----------------------------------------------------------------------------
    def head(self, host: str) -> tuple[int, str]:
        """``(seq, hash)`` of the host's last event; ``(0, GENESIS_HASH)`` for a new host."""
        with self.engine.connect() as conn:
            row = conn.execute(select(streams.c.head_seq, streams.c.head_hash)
                               .where(streams.c.host == host)).first()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def hosts(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(streams.c.host).order_by(streams.c.host)).scalars())

    def read(self, host: str, after_seq: int = 0, limit: int | None = None) -> list[EventEnvelope]:
        query = (select(*_COLUMNS).where(and_(events.c.host == host, events.c.seq > after_seq))
                 .order_by(events.c.seq))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_envelope(row) for row in conn.execute(query)]

    def read_all(self, after_position: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """Events of every host in global (commit) order after ``after_position``."""
        query = select(*_COLUMNS).where(events.c.position > after_position) \
            .order_by(events.c.position)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [StoredEvent(row[0], _envelope(row)) for row in conn.execute(query)]

    def iter_all(self, after_position: int = 0, page: int = 5000) -> Iterator[StoredEvent]:
        while batch := self.read_all(after_position, page):
            yield from batch
            after_position = batch[-1].position

    def outcome_of(self, command_id: str) -> EventEnvelope | None:
        """The outcome event already recorded for ``command_id``, if any (idempotency).

        A command's first event has the id ``event_id_for(command_id, 0)``; its outcome is the
        first outcome event with that command id at or after it in the same stream.
        """
        events_of_command = self.events_of_command(command_id)
        return next((e for e in events_of_command if e.type in OUTCOME_TYPES), None)

    def events_of_command(self, command_id: str) -> list[EventEnvelope]:
        """Every event caused by ``command_id``, in stream order (found without a full scan)."""
        with self.engine.connect() as conn:
            first = conn.execute(select(events.c.host, events.c.seq).where(
                events.c.event_id == event_id_for(command_id, 0))).first()
            if first is None:
                return []
            rows = conn.execute(select(*_COLUMNS).where(and_(
                events.c.host == first[0], events.c.seq >= first[1],
                events.c.command_id == command_id)).order_by(events.c.seq))
            return [_envelope(row) for row in rows]

    # -- outbox ------------------------------------------------------------------------------
    def pending(self, limit: int = 500, host: str | None = None) -> list[StoredEvent]:
        """Events not yet published, oldest first."""
        query = select(*_COLUMNS).join(outbox, outbox.c.position == events.c.position)
        if host is not None:
            query = query.where(outbox.c.host == host)
        query = query.order_by(events.c.position).limit(limit)
        with self.engine.connect() as conn:
            return [StoredEvent(row[0], _envelope(row)) for row in conn.execute(query)]

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(outbox)).scalar_one()

    def mark_published(self, positions: Sequence[int]) -> None:
        if not positions:
            return
        with self.engine.begin() as conn:
            conn.execute(delete(outbox).where(outbox.c.position.in_(list(positions))))

    # -- integrity ---------------------------------------------------------------------------
    def verify(self, host: str) -> VerifyResult:
        """Walk the host's chain; name the first seq that was edited, removed or inserted."""
        head_seq, head_hash = self.head(host)
        expected_seq, previous_hash, checked = 1, GENESIS_HASH, 0
        query = select(*_COLUMNS).where(events.c.host == host).order_by(events.c.seq)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                problem = self._check_row(row, expected_seq, previous_hash)
                if problem:
                    return VerifyResult(host, checked, head_seq, problem[0], problem[1])
                checked += 1
                expected_seq, previous_hash = row[3] + 1, row[13]
        if expected_seq - 1 < head_seq:
            return VerifyResult(host, checked, head_seq, expected_seq,
                                f"seq {expected_seq}..{head_seq} removed (the head says {head_seq})")
        if expected_seq - 1 > head_seq or (checked and previous_hash != head_hash):
            return VerifyResult(host, checked, head_seq, head_seq + 1 if checked else 1,
                                "events after the recorded head, or the head was altered")
        return VerifyResult(host, checked, head_seq)

    def _check_row(self, row, expected_seq: int, previous_hash: str) -> tuple[int, str] | None:
        seq = row[3]
        if seq != expected_seq:
            return expected_seq, f"seq {expected_seq} removed (next stored seq is {seq})"
        try:
            event = _envelope(row)
            actual = event.expected_hash()
        except (ValueError, TypeError) as error:
            return seq, f"unreadable: {error}"
        if row[12] != previous_hash:
            return seq, "prev_hash does not link to the previous event (inserted or re-chained)"
        if actual != row[13]:
            return seq, "content does not match its hash (edited)"
        return None
