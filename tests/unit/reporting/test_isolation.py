"""Splitting a refused batch (``services.audit.poison.isolate``): every record but the ones at
fault is committed, in order; each record at fault is set aside alone; a transient fault is
never split but raised."""
from __future__ import annotations

import sqlite3

import pytest

from projections.reporting.ingest import BatchChanges, SourceRecord
from services.audit.poison import is_transient, isolate, merged


class RefusingStore:
    """Commits a batch unless it holds a record whose body is in ``poison``."""

    def __init__(self, poison: set[str], transient_after: int | None = None) -> None:
        self.poison, self.transient_after = poison, transient_after
        self.committed: list[int] = []
        self.set_aside: list[int] = []
        self.attempts = 0

    def commit(self, records) -> BatchChanges:
        self.attempts += 1
        if self.transient_after is not None and self.attempts > self.transient_after:
            raise sqlite3.OperationalError("database is locked")
        if any(record.body in self.poison for record in records):
            raise ValueError("refused")
        self.committed += [record.offset for record in records]
        return BatchChanges(received=len(records), position=records[-1].offset)

    def aside(self, record, error) -> BatchChanges:
        self.set_aside.append(record.offset)
        return BatchChanges(received=1, position=record.offset)


def a_batch(size: int, poison_at: tuple[int, ...]) -> list[SourceRecord]:
    return [SourceRecord(n, "bad" if n in poison_at else "good") for n in range(size)]


@pytest.mark.parametrize("size, poison_at", [(1, (0,)), (2, (1,)), (100, (0,)), (100, (99,)),
                                             (100, (37, 38)), (1000, (5, 500, 999))])
def test_every_good_record_is_committed_in_order_and_each_bad_one_set_aside(size, poison_at):
    store = RefusingStore({"bad"})
    parts = isolate(a_batch(size, poison_at), ValueError("refused"), store.commit, store.aside)
    assert store.committed == [n for n in range(size) if n not in poison_at]
    assert store.set_aside == list(poison_at)
    total = merged(parts)
    assert (total.received, total.position) == (size, size - 1)


def test_one_bad_record_costs_about_two_commits_per_halving():
    store = RefusingStore({"bad"})
    isolate(a_batch(1024, (700,)), ValueError("refused"), store.commit, store.aside)
    assert store.attempts <= 2 * 10


def test_a_transient_fault_while_splitting_is_raised_not_set_aside():
    store = RefusingStore({"bad"}, transient_after=1)
    with pytest.raises(sqlite3.OperationalError):
        isolate(a_batch(10, (7,)), ValueError("refused"), store.commit, store.aside)
    assert store.set_aside == []


@pytest.mark.parametrize("error, transient", [
    (sqlite3.OperationalError("database is locked"), True), (ConnectionResetError(), True),
    (OverflowError("int too big"), False), (ValueError("x"), False),
    (sqlite3.IntegrityError("x"), False),
])
def test_faults_of_the_connection_are_transient_and_faults_of_the_data_are_not(error,
                                                                               transient):
    assert is_transient(error) is transient


def test_psycopg_data_errors_are_not_transient_and_lost_connections_are():
    psycopg = pytest.importorskip("psycopg")
    assert not is_transient(psycopg.errors.StringDataRightTruncation())
    assert not is_transient(psycopg.errors.ProgramLimitExceeded())
    assert is_transient(psycopg.OperationalError("connection lost"))
