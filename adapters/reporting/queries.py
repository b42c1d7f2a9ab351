"""Reads of the reporting store for the ``drm audit`` and ``drm report`` commands."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import Engine, and_, or_, select

from adapters.reporting import checkpoints
from adapters.reporting.store import ReportingStore
from adapters.reporting.tables import (report_alerts, report_commands, report_events,
                                       report_heads, report_views)
from events.canonical import GENESIS_HASH, embedded_json, format_timestamp, loads, sha256_hex
from events.envelope import canonical_body
from adapters.gc_pause import gc_paused
from events.signing import SignedHead
from projections.host_view import HostView
from projections.reporting.folding import fold_rows
from projections.reporting.ingest import NOTE_KINDS, HostChain

E, C = report_events, report_commands


@dataclass(frozen=True)
class LogFilter:
    host: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    principal: str | None = None
    type: str | None = None
    backup_id: str | None = None
    operation: str | None = None  # an operation ID of the extended commands (case-insensitive)


class ReportQueries:
    def __init__(self, store: ReportingStore) -> None:
        self.store = store
        self.engine = store.engine

    def _all(self, query) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def audit_log(self, wanted: LogFilter, limit: int | None = None) -> list[dict[str, Any]]:
        """Events with their command's name and outcome, in (time, host, seq) order."""
        query = (select(E.c.occurred_at, E.c.host, E.c.seq, E.c.type, E.c.principal,
                        E.c.command_id, C.c.command, C.c.outcome, C.c.message_id,
                        E.c.backup_id, E.c.original_id, E.c.known)
                 .select_from(E.outerjoin(C, C.c.command_id == E.c.command_id)))
        conditions = []
        if wanted.host:
            conditions.append(E.c.host == wanted.host)
        if wanted.since:
            conditions.append(E.c.occurred_at >= wanted.since)
        if wanted.until:
            conditions.append(E.c.occurred_at <= wanted.until)
        if wanted.principal:
            conditions.append(E.c.principal == wanted.principal)
        if wanted.type:
            conditions.append(E.c.type == wanted.type)
        if wanted.backup_id:
            conditions.append(or_(E.c.backup_id == wanted.backup_id,
                                  E.c.original_id == wanted.backup_id))
        if wanted.operation is not None:
            commands = self.operation_commands(wanted.operation)
            conditions.append(or_(E.c.command_id.in_(commands), E.c.correlation_id.in_(commands)))
        query = query.where(and_(*conditions)).order_by(E.c.occurred_at, E.c.host, E.c.seq)
        return self._all(query.limit(limit) if limit else query)

    def operation_commands(self, operation_id: str) -> list[str]:
        """The ids of the commands tagged with ``operation_id`` (``OperationCommandStarted``,
        compared casefolded, as the manual's IDs are not case-sensitive), on every host."""
        key = operation_id.casefold()
        query = select(E.c.command_id, E.c.payload).where(E.c.type == "OperationCommandStarted")
        with self.engine.connect() as conn:
            return [row.command_id for row in conn.execute(query)
                    if row.command_id and loads(row.payload).get("operation_key") == key]

    def commands(self, host: str | None = None, since: datetime | None = None,
                 outcomes: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        query = select(C)
        if host:
            query = query.where(C.c.host == host)
        if since:
            query = query.where(C.c.ended_at >= since)
        if outcomes:
            query = query.where(C.c.outcome.in_(outcomes))
        return self._all(query.order_by(C.c.started_at))

    def alerts(self, host: str | None = None) -> list[dict[str, Any]]:
        query = select(report_alerts).order_by(report_alerts.c.id)
        if host:
            query = query.where(report_alerts.c.host == host)
        return self._all(query)

    def hosts(self) -> list[HostChain]:
        return self.store.chains()

    def occurred_at(self, host: str, seq: int) -> str | None:
        """When the host's event ``seq`` happened (canonical text), if it is stored."""
        with self.engine.connect() as conn:
            moment = conn.execute(select(E.c.occurred_at).where(E.c.host == host,
                                                                E.c.seq == seq)).scalar()
        return format_timestamp(moment) if moment is not None else None

    def held_heads(self) -> dict[str, SignedHead]:
        """The last signed head the consumer verified, per host (ADR 0005)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(report_heads.c.host, report_heads.c.seq,
                                       report_heads.c.hash, report_heads.c.signed_at,
                                       report_heads.c.key_id, report_heads.c.signature))
            return {row[0]: SignedHead(*row) for row in rows}

    def chain(self, host: str) -> HostChain | None:
        return next((c for c in self.store.chains() if c.host == host), None)

    def view_rows(self, host: str) -> dict[tuple[str, str], str]:
        query = select(report_views.c.view, report_views.c.key, report_views.c.data) \
            .where(report_views.c.host == host)
        with self.engine.connect() as conn:
            return {(view, key): data for view, key, data in conn.execute(query)}

    def view_as_of(self, chain: HostChain, until: datetime) -> HostView:
        """The view of ``chain.host`` as of ``until``: the fold of the events the live fold
        applied with ``occurred_at <= until``, in seq order -- started from the latest usable
        checkpoint (``adapters.reporting.checkpoints``) when there is one, which gives the
        same view."""
        start = checkpoints.nearest(self.engine, chain.host, until, chain.last_seq)
        after = start.seq if start is not None else 0
        return fold_rows(chain.host, self.folded_events(chain.host, until, after), start)

    def folded_events(self, host: str, until: datetime | None = None, after: int = 0
                      ) -> Iterator[tuple[int, str, int, dict]]:
        """The rows of ``ReportingStore.folded_events`` (the events the live fold applied to
        ``host``, in seq order, ``occurred_at <= until``) after seq ``after``, read for one
        report: on PostgreSQL in one statement on the driver's cursor, without SQLAlchemy's
        per-row result processing (most of an as-of report's time went there); payloads parsed
        as they are folded."""
        if not self.store.postgres:
            rows = self.store.folded_events(host, until=until)
            yield from (row for row in rows if row[0] > after)
            return
        sql = ("SELECT seq, type, version, payload FROM report_events "
               "WHERE host = %s AND folded AND seq > %s")
        params: tuple = (host, after)
        if until is not None:
            sql, params = sql + " AND occurred_at <= %s", (*params, until)
        with self.engine.connect() as conn:
            cursor = conn.connection.driver_connection.cursor()
            try:
                found = cursor.execute(sql + " ORDER BY seq", params).fetchall()
            finally:
                cursor.close()
        for seq, type_, version, payload in found:
            yield seq, type_, version, loads(payload)

    def events_of(self, host: str, types: tuple[str, ...]) -> list[dict[str, Any]]:
        query = (select(E.c.seq, E.c.type, E.c.occurred_at, E.c.payload)
                 .where(E.c.host == host, E.c.type.in_(types)).order_by(E.c.seq))
        return [{**row, "payload": loads(row["payload"])} for row in self._all(query)]

    def lineage(self, origin_host: str, backup_id: str) -> list[dict[str, Any]]:
        """Every event about the backup across hosts: the original entry on its host, and any
        entry elsewhere that keeps its original ID and origin host (exports, imports, tape),
        then the later events on those entries (deletion, locks by backup ID, log backups of
        its chain, restores, metafiles, …), the origin host's events naming the original ID
        (roll-forwards), and every event of the workflows those belong to (issue 13: a SQL
        backup's freeze/split/thaw, a restore's database states, a recovery)."""
        first = self._all(select(E.c.host, E.c.backup_id).where(or_(
            and_(E.c.host == origin_host, E.c.backup_id == backup_id),
            and_(E.c.original_id == backup_id, E.c.origin_host == origin_host))).distinct())
        keys = {(row["host"], row["backup_id"]) for row in first if row["backup_id"]}
        if not keys:
            return []
        direct = self._all(select(*LINEAGE_COLUMNS, E.c.command_id, E.c.payload).where(or_(
            *(and_(E.c.host == h, E.c.backup_id == b) for h, b in keys),
            and_(E.c.original_id == backup_id, E.c.origin_host == origin_host),
            and_(E.c.host == origin_host, E.c.original_id == backup_id,
                 E.c.origin_host.is_(None)))))
        return _sorted([*direct, *self._workflow_events(direct)])

    def _workflow_events(self, direct: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The other events of the workflows (``workflow_id``, within one command) of
        ``direct``."""
        workflows: dict[tuple[str, str], set[str]] = {}
        for row in direct:
            workflow = loads(row["payload"]).get("workflow_id")
            if row["command_id"] and isinstance(workflow, str) and workflow:
                workflows.setdefault((row["host"], row["command_id"]), set()).add(workflow)
        if not workflows:
            return []
        found = self._all(select(*LINEAGE_COLUMNS, E.c.command_id, E.c.payload).where(or_(
            *(and_(E.c.host == h, E.c.command_id == c) for h, c in workflows))))
        return [row for row in found
                if loads(row["payload"]).get("workflow_id") in
                workflows[(row["host"], row["command_id"])]]

    def walk(self, host: str, page: int = 50_000) -> list[str]:
        """Problems of ``host``'s stored history: missing seqs, broken links, edited events.

        Read a page at a time on the driver's cursor; each hash is recomputed with the stored
        payload text embedded as it is (it is the canonical JSON the consumer stored), so the
        payload is neither parsed nor serialised again: a payload whose text was changed in
        any way no longer matches its hash."""
        mark = "%s" if self.store.postgres else "?"
        sql = (f"SELECT {', '.join(WALKED)} FROM report_events WHERE host = {mark} "
               f"AND seq > {mark} ORDER BY seq LIMIT {int(page)}")
        problems, expected, previous, after = [], 1, GENESIS_HASH, 0
        while True:
            with self.engine.connect() as conn, gc_paused():
                rows = conn.exec_driver_sql(sql, (host, after)).fetchall()
            for row in rows:
                seq = row[2]
                if seq != expected:
                    problems.append(f"seq {expected}..{seq - 1} missing")
                elif row[11] != previous:
                    problems.append(f"seq {seq}: prev_hash does not link to seq {seq - 1}")
                if _content_hash(row) != row[12]:
                    problems.append(f"seq {seq}: content does not match its hash (edited)")
                expected, previous = seq + 1, row[12]
            if len(rows) < page:
                return problems
            after = rows[-1][2]


LINEAGE_COLUMNS = (E.c.occurred_at, E.c.host, E.c.seq, E.c.type, E.c.principal, E.c.backup_id,
                   E.c.original_id, E.c.origin_host)


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per event (without the columns used to link them), in time order."""
    unique = {(row["host"], row["seq"]): row for row in rows}
    return [{key: row[key] for key in ("occurred_at", "host", "seq", "type", "principal",
                                        "backup_id", "original_id", "origin_host")}
            for row in sorted(unique.values(),
                              key=lambda r: (r["occurred_at"], r["host"], r["seq"]))]


WALKED = ("event_id", "host", "seq", "type", "version", "occurred_at", "command_id",
          "correlation_id", "causation_id", "principal", "payload", "prev_hash", "hash")


def _content_hash(row) -> str:
    stamp = row[5] if isinstance(row[5], str) else format_timestamp(row[5])
    return sha256_hex(canonical_body(row[0], row[1], row[2], row[3], row[4], stamp, row[6],
                                     row[7], row[8], row[9], embedded_json(row[10].encode()),
                                     row[11]))


def open_for_reading(engine: Engine) -> ReportQueries:
    """Queries on ``engine`` for a report, which only reads: the schema is not migrated on
    every report (the consumer, ``drm report serve`` or ``rebuild``, migrates when it starts;
    alembic alone costs a report ~0.1-0.25 s of start-up). A database with no schema yet
    (nothing consumed into it) is migrated first, so a report there finds no host rather than
    failing on a missing table."""
    with engine.connect() as conn:
        present = engine.dialect.has_table(conn, report_heads.name)  # the newest table
    if not present:
        from adapters.migrations import upgrade

        upgrade(engine)
    return ReportQueries(ReportingStore(engine))


def is_note(alert: dict[str, Any]) -> bool:
    return alert["kind"] in NOTE_KINDS
