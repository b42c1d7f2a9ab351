"""The reporting store's writer and the reads the consumer needs to resume.

Guarantee: ``write`` stores one batch -- event rows, commands and outcomes, alerts, changed view
rows, host chain states -- and the source position *in one transaction*. A consumer killed at
any moment therefore resumes from a position that matches its rows exactly: nothing is applied
twice, nothing skipped. Inserts go to the driver directly (COPY on PostgreSQL), since replaying
a long log is the hot path.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager, nullcontext
from datetime import datetime
from typing import Iterator

from sqlalchemy import Engine, delete, select

from adapters.gc_pause import gc_paused
from adapters.reporting.tables import (VIEW_TABLES, report_events, report_hosts,
                                       report_position)
from events.canonical import format_timestamp, loads
from projections.reporting.ingest import EVENT_COLUMNS, BatchChanges, HostChain

COPY_EVENTS = f"COPY report_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
EVENT_TYPES = {"seq": "bigint", "version": "integer", "occurred_at": "timestamptz",
               "known": "boolean", "folded": "boolean"}
COPY_TYPES = [EVENT_TYPES.get(name, "text") for name in EVENT_COLUMNS]
"""PostgreSQL types of the binary COPY, in ``EVENT_COLUMNS`` order (varchar is sent as text)."""


def _sql(postgres: bool) -> dict[str, str]:
    def marks(count: int) -> str:
        return ", ".join(["%s" if postgres else "?"] * count)

    return {
        "event": f"INSERT INTO report_events ({', '.join(EVENT_COLUMNS)}) "
                 f"VALUES ({marks(len(EVENT_COLUMNS))})",
        "start": "INSERT INTO report_commands (command_id, host, principal, first_seq, "
                 f"started_at) VALUES ({marks(5)}) ON CONFLICT (command_id) DO NOTHING",
        "outcome": "UPDATE report_commands SET command = {0}, outcome = {0}, message_id = {0}, "
                   "text = {0}, ended_at = {0} WHERE command_id = {0}"
                   .format("%s" if postgres else "?"),
        "alert": "INSERT INTO report_alerts (host, seq, kind, detail, stream_offset) "
                 f"VALUES ({marks(5)})",
        "quarantine": "INSERT INTO report_quarantine (host, seq, reason, body, stream_offset) "
                      f"VALUES ({marks(5)})",
        "view": f"INSERT INTO report_views (host, view, key, data) VALUES ({marks(4)}) "
                "ON CONFLICT (host, view, key) DO UPDATE SET data = excluded.data",
        "unview": "DELETE FROM report_views WHERE host = {0} AND view = {0} AND key = {0}"
                  .format("%s" if postgres else "?"),
        "host": "INSERT INTO report_hosts (host, last_seq, last_hash, untrusted_from, "
                f"untrusted_reason) VALUES ({marks(5)}) ON CONFLICT (host) DO UPDATE SET "
                "last_seq = excluded.last_seq, last_hash = excluded.last_hash, "
                "untrusted_from = excluded.untrusted_from, "
                "untrusted_reason = excluded.untrusted_reason",
        "head": "INSERT INTO report_heads (host, seq, hash, signed_at, key_id, signature) "
                f"VALUES ({marks(6)}) ON CONFLICT (host) DO UPDATE SET seq = excluded.seq, "
                "hash = excluded.hash, signed_at = excluded.signed_at, "
                "key_id = excluded.key_id, signature = excluded.signature",
        "position": f"INSERT INTO report_position (source, stream_offset) VALUES ({marks(2)}) "
                    "ON CONFLICT (source) DO UPDATE SET stream_offset = excluded.stream_offset",
    }


ARRAYS = {  # PostgreSQL: one statement per batch, one binary array per column
    "command": "INSERT INTO report_commands (command_id, host, principal, first_seq, started_at, "
               "command, outcome, message_id, text, ended_at) SELECT * FROM unnest(%b::text[], "
               "%b::text[], %b::text[], %b::bigint[], %b::timestamptz[], %b::text[], %b::text[], "
               "%b::text[], %b::text[], %b::timestamptz[]) ON CONFLICT (command_id) DO UPDATE "
               "SET command = excluded.command, outcome = excluded.outcome, "
               "message_id = excluded.message_id, text = excluded.text, "
               "ended_at = excluded.ended_at WHERE excluded.outcome IS NOT NULL",
    "outcome": "UPDATE report_commands c SET command = u.command, outcome = u.outcome, "
               "message_id = u.message_id, text = u.text, ended_at = u.ended_at "
               "FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::timestamptz[], "
               "%b::text[]) AS u(command, outcome, message_id, text, ended_at, command_id) "
               "WHERE c.command_id = u.command_id",
    "unview": "DELETE FROM report_views v USING unnest(%b::text[], %b::text[], %b::text[]) "
              "AS d(host, view, key) WHERE v.host = d.host AND v.view = d.view "
              "AND v.key = d.key",
    "view": "INSERT INTO report_views (host, view, key, data) SELECT * FROM unnest("
            "%b::text[], %b::text[], %b::text[], %b::text[]) "
            "ON CONFLICT (host, view, key) DO UPDATE SET data = excluded.data",
}


_NO_OUTCOME = (None, None, None, None, None)


class BatchWriter:
    """The writes of one batch in ``ReportingStore.batch``'s transaction. On PostgreSQL the
    event rows stream into one COPY as they are handed over, so the server stores them while
    the caller folds the rest of the batch; on SQLite they are kept and inserted by ``rest``."""

    def __init__(self, store: "ReportingStore", cursor, source: str) -> None:
        self.store, self.cursor, self.source = store, cursor, source
        self.copying = ExitStack()
        self.copy = None
        self.kept: list[tuple] = []

    def events(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if not self.store.postgres:
            self.kept += rows
            return
        if self.copy is None:
            self.copy = self.copying.enter_context(self.cursor.copy(COPY_EVENTS))
            self.copy.set_types(COPY_TYPES)
        write = self.copy.write_row
        for row in rows:
            write(row)

    def rest(self, changes: BatchChanges) -> None:
        """Everything of ``changes`` but its event rows (handed to ``events``), and the
        position; sent as one pipeline on PostgreSQL."""
        self.copying.close()  # the COPY ends: the server has every event row
        store, cursor = self.store, self.cursor
        if self.kept:
            stamp = store._stamp
            cursor.executemany(store._sql["event"], [(*r[:5], stamp(r[5]), *r[6:])
                                                     for r in self.kept])
        with cursor.connection.pipeline() if store.postgres else nullcontext():
            store._rest(cursor, changes, self.source)


class ReportingStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._sql = _sql(self.postgres)

    # -- writing -----------------------------------------------------------------------------
    def write(self, changes: BatchChanges, source: str) -> None:
        """Store ``changes`` and the position they reach, all or nothing."""
        with self.batch(source) as batch:
            batch.events(changes.events)
            batch.rest(changes)

    @contextmanager
    def batch(self, source: str) -> Iterator["BatchWriter"]:
        """One batch's transaction: event rows as they are made (``events``, in order, any
        number of times), then everything else (``rest``, once). Commits when the block ends
        normally; an error ends it with nothing stored."""
        with self.engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            try:
                writer = BatchWriter(self, cursor, source)
                with writer.copying:  # an error ends the COPY with it, then the rollback
                    yield writer
            finally:
                cursor.close()

    def _rest(self, cursor, changes: BatchChanges, source: str) -> None:
        sql, stamp = self._sql, self._stamp
        if self.postgres:
            self._commands(cursor, changes)
        else:
            self._many(cursor, "start", [(*r[:4], stamp(r[4])) for r in changes.starts])
            self._many(cursor, "outcome", [(*r[:4], stamp(r[4]), r[5]) for r in changes.outcomes])
        if changes.alerts:
            cursor.executemany(sql["alert"], changes.alerts)
        if changes.quarantined:
            cursor.executemany(sql["quarantine"], changes.quarantined)
        self._many(cursor, "unview", changes.removed_rows)
        self._many(cursor, "view", changes.changed_rows)
        if changes.hosts:
            cursor.executemany(sql["host"], [(c.host, c.last_seq, c.last_hash, c.untrusted_from,
                                              c.untrusted_reason) for c in changes.hosts])
        if changes.heads:
            cursor.executemany(sql["head"], [(h.host, h.seq, h.hash, h.signed_at, h.key_id,
                                              h.signature) for h in changes.heads.values()])
        if changes.position is not None:
            cursor.execute(sql["position"], (source, changes.position))

    def _commands(self, cursor, changes: BatchChanges) -> None:
        """Starts and outcomes (PostgreSQL): a command that starts in the batch is inserted
        with its outcome when the batch has one (the last, as consecutive updates would leave
        it); only the outcomes of commands started in an earlier batch are updates."""
        ended = {row[5]: row[:5] for row in changes.outcomes}
        self._many(cursor, "command", [(*start, *ended.pop(start[0], _NO_OUTCOME))
                                       for start in changes.starts])
        self._many(cursor, "outcome", [(*row, command_id) for command_id, row in ended.items()])

    def _many(self, cursor, name: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            cursor.execute(ARRAYS[name], [list(column) for column in zip(*rows)])
        else:
            cursor.executemany(self._sql[name], rows)

    def _stamp(self, moment: datetime | None):
        if moment is None or self.postgres:
            return moment
        return format_timestamp(moment)

    def clear(self) -> None:
        """Empty every reporting table (``drm report rebuild`` then replays from the start)."""
        with self.engine.begin() as conn:
            for table in VIEW_TABLES:
                conn.execute(delete(table))

    # -- resuming ----------------------------------------------------------------------------
    def position(self, source: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(select(report_position.c.stream_offset)
                                .where(report_position.c.source == source)).scalar()

    def chains(self) -> list[HostChain]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(report_hosts).order_by(report_hosts.c.host)).fetchall()
        return [HostChain(*row) for row in rows]

    def hash_of(self, host: str, seq: int) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(report_events.c.hash).where(
                report_events.c.host == host, report_events.c.seq == seq)).scalar()

    def folded_events(self, host: str, until: datetime | None = None,
                      page: int = 20_000) -> Iterator[tuple[int, str, int, dict]]:
        """``(seq, type, version, payload)`` of the events the live fold applied to ``host``,
        in seq order, up to ``until`` (``occurred_at <= until``) when given."""
        mark = "%s" if self.postgres else "?"
        after = 0
        while True:
            sql = (f"SELECT seq, type, version, payload FROM report_events WHERE host = {mark} "
                   f"AND folded AND seq > {mark}")
            params: list = [host, after]
            if until is not None:
                sql += f" AND occurred_at <= {mark}"
                params.append(until if self.postgres else format_timestamp(until))
            sql += f" ORDER BY seq LIMIT {page}"
            with self.engine.connect() as conn, gc_paused():
                found = conn.exec_driver_sql(sql, tuple(params)).fetchall()
                batch = [(row[0], row[1], row[2], loads(row[3])) for row in found]
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1][0]
