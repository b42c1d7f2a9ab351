"""The reporting store's reads and the one write a heal needs (``projections.reporting.heal``).

Kept beside ``ReportingStore`` rather than inside it: healing is rare and off the hot path.
Guarantee: ``commit_heal`` replaces the host's view rows, marks its late events folded, clears
its untrusted mark and records the ``gap-filled`` alert *in one transaction*; a consumer killed
meanwhile finds either the untrusted host with its late events (and heals it again on start) or
the healed one, never a mix.
"""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import and_, delete, func, insert, select, text, update

from adapters.reporting.store import ReportingStore
from adapters.reporting.tables import report_alerts, report_events, report_hosts, report_views
from events.canonical import loads
from events.envelope import EventEnvelope
from projections.reporting.view_rows import Rows

E = report_events
ENVELOPE_COLUMNS = ("event_id", "host", "seq", "type", "version", "occurred_at", "command_id",
                    "correlation_id", "causation_id", "principal", "payload", "prev_hash", "hash")


class HealStore:
    def __init__(self, store: ReportingStore) -> None:
        self.engine = store.engine

    def complete(self, host: str, last_seq: int) -> bool:
        """Whether every seq ``1..last_seq`` of ``host`` is stored (seqs are never below 1)."""
        with self.engine.connect() as conn:
            count, top = conn.execute(select(func.count(), func.max(E.c.seq))
                                      .where(E.c.host == host)).one()
        return count == last_seq and (top or 0) == last_seq

    def missing_ranges(self, host: str) -> list[tuple[int, int]]:
        """The ranges ``(from_seq, to_seq)`` of ``host``'s seqs not stored, below its last."""
        sql = text("SELECT prev + 1, seq - 1 FROM (SELECT seq, LAG(seq, 1, 0) OVER (ORDER BY seq)"
                   " AS prev FROM report_events WHERE host = :host) AS s WHERE seq > prev + 1 "
                   "ORDER BY seq")
        with self.engine.connect() as conn:
            return [(int(a), int(b)) for a, b in conn.execute(sql, {"host": host})]

    def history(self, host: str, page: int = 20_000) -> Iterator[EventEnvelope]:
        """Every stored event of ``host``, folded or late, in seq order, as envelopes."""
        columns = [E.c[name] for name in ENVELOPE_COLUMNS]
        after = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(select(*columns).where(E.c.host == host, E.c.seq > after)
                                    .order_by(E.c.seq).limit(page)).fetchall()
            for row in rows:
                yield EventEnvelope.trusted(**{**row._mapping, "payload": loads(row.payload)})
            if len(rows) < page:
                return
            after = rows[-1].seq

    def commit_heal(self, host: str, rows: Rows, alert: tuple) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(report_views).where(report_views.c.host == host))
            if rows:
                conn.execute(insert(report_views), [
                    {"host": host, "view": view, "key": key, "data": data}
                    for (view, key), data in rows.items()])
            conn.execute(update(E).where(and_(E.c.host == host, E.c.folded.is_(False)))
                         .values(folded=True))
            conn.execute(update(report_hosts).where(report_hosts.c.host == host)
                         .values(untrusted_from=None, untrusted_reason=None))
            conn.execute(insert(report_alerts).values(
                host=alert[0], seq=alert[1], kind=alert[2], detail=alert[3],
                stream_offset=alert[4]))
