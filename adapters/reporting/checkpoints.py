"""As-of checkpoints: the state of a host's view at seq N (``projections.reporting.view_state``),
so that a view as of T folds only the events after the nearest usable checkpoint.

Written by the audit consumer (``Checkpointer.after_ingest``), read by the reports
(``nearest``). A checkpoint is *usable* for T when

- it was made by this version of the fold (``fold_fingerprint``),
- every folded event of the host up to its seq happened at or before T (``max_occurred_at``,
  the latest ``occurred_at`` of those events: times need not grow with seq), so the fold of
  the events up to T passes through exactly that state, and
- its seq is at most the host's committed ``last_seq`` (the consumer writes a checkpoint while
  the batch that reached it may still be committing; until that batch commits, it is unused).

A checkpoint is an optimisation only: a missing, unusable or unreadable one means a longer fold,
never another answer. ``drm report rebuild`` empties the table with the rest (``clear``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Mapping

from sqlalchemy import (BigInteger, Column, Engine, MetaData, String, Table, Text, delete,
                        func, insert, select)
from sqlalchemy.exc import IntegrityError

from adapters.event_store.tables import UtcDateTime
from adapters.reporting.tables import report_events, report_hosts
from projections.host_view import HostView
from projections.reporting.ingest import EVENT_COLUMNS, BatchChanges
from projections.reporting.view_state import StateError, fold_fingerprint, freeze, thaw

CHECKPOINT_EVERY = 10_000
"""Folded events of a host between two of its checkpoints (a state is a few kB to a few
hundred kB; folding 10,000 events takes ~25 ms)."""

report_checkpoints = Table(  # made by the alembic revision 0004_as_of_checkpoints
    "report_checkpoints", MetaData(),
    Column("host", String(255), primary_key=True),
    Column("fingerprint", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("max_occurred_at", UtcDateTime, nullable=False),
    Column("state", Text, nullable=False),
)
K = report_checkpoints.c
_HOST, _AT, _FOLDED = (EVENT_COLUMNS.index(name) for name in ("host", "occurred_at", "folded"))


def nearest(engine: Engine, host: str, until: datetime, last_seq: int) -> HostView | None:
    """The state of ``host``'s view at its latest checkpoint usable as of ``until`` (see the
    module's docstring), or None when there is none."""
    query = (select(K.state).where(K.host == host, K.fingerprint == fold_fingerprint(),
                                   K.max_occurred_at <= until, K.seq <= last_seq)
             .order_by(K.seq.desc()).limit(1))
    with engine.connect() as conn:
        text = conn.execute(query).scalar()
    try:
        return thaw(text) if text is not None else None
    except StateError:
        return None


def forget_uncommitted(engine: Engine) -> None:
    """Delete the checkpoints past their host's committed ``last_seq``: states written while a
    batch that then failed was folding, which the store may never reach with the same events
    (its record at fault is quarantined). Call when no batch is in flight."""
    committed = (select(report_hosts.c.last_seq).where(report_hosts.c.host == K.host)
                 .scalar_subquery())
    with engine.begin() as conn:
        conn.execute(delete(report_checkpoints).where(K.seq > func.coalesce(committed, 0)))


def clear(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(report_checkpoints))


class Checkpointer:
    """Writes a checkpoint of a host's live view once ``every`` more of its events have been
    folded since its last one. Made when the consumer starts (after it resumed from the store,
    before it ingests anything): it reads where each host's checkpoints and times stand."""

    def __init__(self, engine: Engine, every: int = CHECKPOINT_EVERY) -> None:
        self.engine, self.every, self.fingerprint = engine, every, fold_fingerprint()
        with engine.connect() as conn:
            self.last_seq: dict[str, int] = dict(conn.execute(
                select(K.host, func.max(K.seq)).where(K.fingerprint == self.fingerprint)
                .group_by(K.host)).all())
            self.latest: dict[str, datetime] = dict(conn.execute(
                select(report_events.c.host, func.max(report_events.c.occurred_at))
                .where(report_events.c.folded).group_by(report_events.c.host)).all())

    def after_ingest(self, views: Mapping[str, HostView], changes: BatchChanges) -> None:
        """Call in the consumer's thread right after ``Ingestor.ingest`` returned ``changes``,
        before the next batch is folded (``views``, the ingestor's, are then as this batch
        left them). Writes the checkpoints due, in a transaction of their own."""
        due: set[str] = set()
        for row in changes.events:
            if row[_FOLDED]:
                host, moment = row[_HOST], row[_AT]
                if host not in self.latest or moment > self.latest[host]:
                    self.latest[host] = moment
                due.add(host)
        rows = []
        for host in sorted(due):
            view = views[host]
            if view.seq < self.last_seq.get(host, 0) + self.every:
                continue
            try:
                state = freeze(view)
            except StateError:
                continue
            rows.append({"host": host, "fingerprint": self.fingerprint, "seq": view.seq,
                         "max_occurred_at": self.latest[host], "state": state})
            self.last_seq[host] = view.seq
        if rows:
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(report_checkpoints), rows)
            except IntegrityError:  # another consumer wrote them: the same states
                pass
