"""The per-host event store on SQLAlchemy 2 (SQLite or PostgreSQL), with its outbox.

Guarantees:
- ``append`` is all-or-nothing. Inside one transaction it checks that the host's stream is still
  at ``expected_seq`` (else ``ConcurrencyError``), seals the drafts onto the stored head (seq,
  event ids, hash chain) and writes them. The store is the only place that assigns seq numbers
  and hashes, so a stream can only grow as a valid chain.
- Global positions are assigned in commit order: on PostgreSQL writers take a transaction-scoped
  advisory lock, SQLite serialises writers itself. ``read_all(after)`` therefore never skips an
  event that commits later with a smaller position.
- The outbox is a publication cursor per host (``published_seq``): the events after it are not
  yet published. Since a host's events are published in seq order, "published up to seq N" is
  exact, and appending costs no second write per event.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from sqlalchemy import Engine, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.event_store import heads, rows
from adapters.event_store.statements import Statements
from adapters.event_store.tables import commands, streams
from adapters.event_store.verify import VerifyResult, walk_chain
from events.canonical import GENESIS_HASH, format_timestamp, loads
from events.envelope import EventContext, EventDraft, EventEnvelope, seal_with_payload_json
from events.outcomes import OUTCOME_TYPES
from adapters.gc_pause import gc_paused
from events.registry import REGISTRY, EventRegistry, EventSchemaError
from events.signing import KeyRing, SignedHead, Signer, sign_head

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


class SqlEventStore:
    """``signer``: the key of the host this store appends for; each of that host's append
    batches then ends in a signed head, written in the batch's transaction (ADR 0005): on the
    batch's last event and, as the host's last signed head, in its stream row."""

    def __init__(self, engine: Engine, registry: EventRegistry = REGISTRY,
                 signer: Signer | None = None) -> None:
        self.engine = engine
        self.registry = registry
        self.signer = signer
        self._postgres = engine.dialect.name == "postgresql"
        self._sql = Statements(engine)

    # -- writing -----------------------------------------------------------------------------
    def append(self, host: str, drafts: Sequence[EventDraft], expected_seq: int,
               context: EventContext, first_index: int = 0) -> list[EventEnvelope]:
        """Seal ``drafts`` after ``expected_seq`` of ``host`` and store them atomically.

        ``first_index`` is the index of the first draft among the events of its command, so a
        command that records its events in several appends still gets distinct, deterministic
        event ids.

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
                run = self._sql.run
                moved = run(conn, "advance", host=host, expected=expected_seq,
                            new=new_head).rowcount
                head_hash = run(conn, "head_hash", host=host).scalar_one() if moved \
                    else self._claim_new_stream(conn, host, expected_seq, new_head)
                sealed = seal_with_payload_json(host, expected_seq, head_hash, drafts, context,
                                                first_index)
                batch = [envelope for envelope, _ in sealed]
                signed = sign_head(self.signer, new_head, batch[-1].hash) \
                    if self.signer is not None and self.signer.host == host else None
                if self._postgres:
                    run(conn, "order_lock", key=APPEND_LOCK_KEY)
                for sql, params in self.insert_statements(sealed, signed):
                    conn.exec_driver_sql(sql, params)
                if signed is None:
                    run(conn, "seal_head", host=host, hash=batch[-1].hash)
                else:
                    run(conn, "seal_signed_head", **signed.to_wire())
                if context.command_id is not None:  # where the command's events start
                    run(conn, "note_command", command=context.command_id, host=host,
                        seq=expected_seq + 1)
        except IntegrityError as error:
            raise ConcurrencyError(host, expected_seq, self.head(host)[0]) from error
        return batch

    def insert_statements(self, sealed: Sequence[tuple[EventEnvelope, bytes]],
                          head: SignedHead | None = None):
        """Driver ``(sql, params)`` pairs that insert sealed events (with their canonical
        payload JSON) in order, ``head`` on the last: what ``append`` runs after sealing."""
        return rows.insert_statements(sealed, self._postgres, self._sql.sqlite_insert, head)

    @staticmethod
    def _claim_new_stream(conn, host: str, expected_seq: int, new_head: int) -> str:
        current = conn.execute(select(streams.c.head_seq).where(streams.c.host == host)).first()
        if current is not None or expected_seq != 0:
            raise ConcurrencyError(host, expected_seq, current[0] if current else 0)
        conn.execute(insert(streams).values(host=host, head_seq=new_head, head_hash=GENESIS_HASH,
                                            published_seq=0))
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
    def _select(self, name: str, limit: int | None, **values) -> list[tuple]:
        """Rows in ``rows.SELECT_KEYS`` order of the read ``name`` (``statements.READS``)."""
        with self.engine.connect() as conn, gc_paused():
            return self._sql.read(conn, name, limit, **values)

    def _envelopes(self, found: list[tuple]) -> list[EventEnvelope]:
        text_time = not self._postgres
        with gc_paused():  # building many small acyclic objects: skip pointless GC passes
            return [rows.to_envelope(row, text_time) for row in found]

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
        return self._envelopes(self._select("read", limit, host=host, after=after_seq))

    def read_payloads(self, host: str, after_seq: int = 0,
                      limit: int | None = None) -> list[tuple[int, str, int, dict]]:
        """``(seq, type, version, payload)`` of the host's events: what a projection rebuild
        needs, without building envelopes (use ``read`` or ``verify`` to check hashes)."""
        values = {"host": host, "after": after_seq}
        prepared = self._sql.prepared["payloads"]
        if limit is not None:
            prepared, values["limit"] = self._sql.payloads_limited, int(limit)
        with self.engine.connect() as conn, gc_paused():
            found = prepared.run(conn, values).fetchall()
            return [(row[0], row[1], row[2], loads(row[3])) for row in found]

    def read_all(self, after_position: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """Events of every host in global (commit) order after ``after_position``."""
        found = self._select("read_all", limit, after=after_position)
        return [StoredEvent(row[0], event) for row, event in zip(found, self._envelopes(found))]

    def iter_all(self, after_position: int = 0, page: int = 5000) -> Iterator[StoredEvent]:
        while batch := self.read_all(after_position, page):
            yield from batch
            after_position = batch[-1].position

    def outcome_of(self, command_id: str) -> EventEnvelope | None:
        """The outcome event already recorded for ``command_id``, if any (idempotency)."""
        return next((e for e in self.events_of_command(command_id) if e.type in OUTCOME_TYPES),
                    None)

    def events_of_command(self, command_id: str) -> list[EventEnvelope]:
        """Every event caused by ``command_id``, in stream order (from its first seq on)."""
        with self.engine.connect() as conn:
            first = conn.execute(select(commands.c.host, commands.c.first_seq)
                                 .where(commands.c.command_id == command_id)).first()
        if first is None:
            return []
        found = self._select("of_command", None, host=first[0], seq=first[1],
                             command=command_id)
        return self._envelopes(found)

    # -- outbox ------------------------------------------------------------------------------
    def pending(self, limit: int = 500, host: str | None = None) -> list[StoredEvent]:
        """Events not yet published, oldest first (all hosts, or one)."""
        found = self._select("pending", limit) if host is None \
            else self._select("pending_host", limit, host=host)
        return [StoredEvent(row[0], event) for row, event in zip(found, self._envelopes(found))]

    def pending_count(self, host: str | None = None) -> int:
        query = select(func.coalesce(func.sum(streams.c.head_seq - streams.c.published_seq), 0))
        if host is not None:
            query = query.where(streams.c.host == host)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def mark_published(self, host: str, up_to_seq: int) -> None:
        """Record that ``host``'s events up to ``up_to_seq`` were published (never moves back)."""
        with self.engine.begin() as conn:
            conn.execute(update(streams).where(and_(streams.c.host == host,
                                                    streams.c.published_seq < up_to_seq))
                         .values(published_seq=up_to_seq))

    # -- integrity ---------------------------------------------------------------------------
    def verify(self, host: str, keys: KeyRing | None = None, enrolled_at: str | None = None,
               held: SignedHead | None = None, every_signature: bool = False) -> VerifyResult:
        """Walk the host's chain; name the first seq that was edited, removed or inserted.

        With ``keys``, also check the signed heads (``heads.verify_signed``): ``enrolled_at``
        is when the host's first key came into service (``None``: it has none), ``held`` the
        last head an auditor verified."""
        head_seq, head_hash = self.head(host)
        found = self._select("read", None, host=host, after=0)
        text_time = not self._postgres
        chain = walk_chain(host, found, head_seq, head_hash,
                           lambda row: rows.to_envelope(row, text_time))
        if keys is None or not chain.ok:
            return chain
        held_hash = None
        if held is not None and 0 < held.seq <= len(found):
            held_hash = found[held.seq - 1][13]  # an intact chain holds seq n at index n - 1
        last_occurred = found[-1][6] if found else None
        if last_occurred is not None and not isinstance(last_occurred, str):
            last_occurred = format_timestamp(last_occurred)
        legacy = heads.unsigned_is_legacy(enrolled_at, last_occurred)
        return heads.verify_signed(chain, self.signed_heads(host), keys, legacy, held,
                                   held_hash, every_signature)

    def signed_heads(self, host: str, after_seq: int = 0, upto_seq: int = 1 << 62
                     ) -> list[tuple]:
        """The host's signed heads in ``(after_seq, upto_seq]`` (``statements.HEAD_KEYS`` order),
        each with the hash of the event now stored at its seq (``None`` when there is none)."""
        with self.engine.connect() as conn:
            found = self._sql.run(conn, "heads_in_events", host=host, after=after_seq,
                                  upto=upto_seq).fetchall()
            kept = self._sql.run(conn, "head_in_stream", host=host, after=after_seq,
                                 upto=upto_seq).first()
        return heads.merged(found, kept)

    def heads_by_seq(self, host: str, first_seq: int, last_seq: int) -> dict[int, dict]:
        """The host's signed heads at seqs ``first_seq..last_seq``, as sent on the bus."""
        return {row[1]: heads.head_of(row).to_wire()
                for row in self.signed_heads(host, first_seq - 1, last_seq)}

    def with_heads(self, batch: Sequence[EventEnvelope]) -> list[tuple[EventEnvelope, dict | None]]:
        """Each event of ``batch`` with the signed head that ends at it (``None`` if none)."""
        return heads.on_the_wire(batch, self.heads_by_seq)
