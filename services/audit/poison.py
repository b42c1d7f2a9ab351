"""What the audit consumer does with a batch the reporting store refuses (issue 15, point 3).

Every field is checked against ``events.limits`` before it reaches the store, so a refusal means
something those checks did not foresee. A refusal caused by the records (the error is not a
lost connection or another *transient* fault) is answered by splitting the batch in halves until
the one record at fault is alone; that record is quarantined -- its raw body and the error kept
in ``report_quarantine``, an alert ``quarantined`` naming its host and seq -- with its position,
so it never blocks the consumer again. A transient fault still stops the consumer, which then
resumes from its last commit: nothing that might have been stored is set aside.
"""
from __future__ import annotations

import sqlite3
from typing import Callable, Sequence

from sqlalchemy import exc as sa_exc

from events.limits import safe_host, safe_seq, safe_text
from projections.reporting.decoding import Undecodable, decode
from projections.reporting.ingest import BatchChanges, SourceRecord, quarantine

try:
    import psycopg
    _PSYCOPG_TRANSIENT: tuple = (psycopg.OperationalError, psycopg.InterfaceError)
    _PSYCOPG_DATA: tuple = (psycopg.errors.ProgramLimitExceeded,)
except ImportError:  # pragma: no cover - SQLite only
    _PSYCOPG_TRANSIENT = _PSYCOPG_DATA = ()

_TRANSIENT = (OSError, sqlite3.OperationalError, sa_exc.OperationalError,
              sa_exc.InterfaceError, sa_exc.DisconnectionError, *_PSYCOPG_TRANSIENT)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is a fault of the connection or the server rather than of the records
    written (then the batch is retried as it is, never split)."""
    if isinstance(error, _PSYCOPG_DATA):
        return False  # e.g. an index row too large: the data's fault
    if isinstance(error, sa_exc.StatementError) and error.orig is not None:
        return is_transient(error.orig)
    return isinstance(error, _TRANSIENT)


def quarantined(record: SourceRecord, error: BaseException) -> BatchChanges:
    """The changes that set ``record`` aside: a quarantine row, its alert, its position."""
    changes = BatchChanges(received=1, position=record.offset)
    found = decode(record.body)
    if isinstance(found, Undecodable):
        host, seq = found.where
    else:
        host, seq = safe_host(found.fields["host"]), safe_seq(found.fields["seq"])
    reason = safe_text(f"could not be applied: {type(error).__name__}: {error}")
    quarantine(changes, record, host, seq, reason)
    return changes


Commit = Callable[[Sequence[SourceRecord]], BatchChanges]


def isolate(records: Sequence[SourceRecord], error: BaseException, commit: Commit,
            set_aside: Callable[[SourceRecord, BaseException], BatchChanges]) -> list[BatchChanges]:
    """Commit ``records``, which failed as one batch with ``error``, in halves, recursively,
    until each record that fails alone is handed to ``set_aside``. ``commit`` must leave
    nothing behind when it raises. Returns the changes committed, in order."""
    if len(records) == 1:
        return [set_aside(records[0], error)]
    done: list[BatchChanges] = []
    middle = len(records) // 2
    for half in (records[:middle], records[middle:]):
        try:
            done.append(commit(half))
        except Exception as failure:  # noqa: BLE001 - classified right here
            if is_transient(failure):
                raise
            done += isolate(half, failure, commit, set_aside)
    return done


def merged(parts: Sequence[BatchChanges]) -> BatchChanges:
    """The changes of consecutive commits as one (what ``apply`` returns for a split batch)."""
    total = BatchChanges()
    for part in parts:
        for name in ("events", "starts", "outcomes", "alerts", "quarantined", "changed_rows",
                     "removed_rows", "hosts"):
            getattr(total, name).extend(getattr(part, name))
        total.started |= part.started
        total.position = part.position if part.position is not None else total.position
        total.duplicates += part.duplicates
        total.received += part.received
    return total
