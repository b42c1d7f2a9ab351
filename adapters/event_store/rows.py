"""Converting between envelopes and database rows, on the driver's fast path.

Appends and reads are the hot path of the agent and of every projection rebuild, so rows go to
and from the driver directly (``exec_driver_sql``), bypassing SQLAlchemy's per-row type
processing; the conversions it would do are done here.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Sequence

from adapters.event_store.tables import events
from events.canonical import canonical_json, format_timestamp, loads
from events.envelope import EventEnvelope

INSERT_KEYS = tuple(c.name for c in events.columns if c.name != "position")
SELECT_KEYS = ("position",) + INSERT_KEYS
SELECT_LIST = ", ".join(SELECT_KEYS)
MAX_ROWS_PER_INSERT = 500


def to_envelope(row: Sequence[Any], timestamp_is_text: bool) -> EventEnvelope:
    """Rebuild an envelope from a trusted row (``SELECT_LIST`` order) of our own store."""
    occurred_at = row[6]
    if timestamp_is_text:
        from datetime import datetime

        occurred_at = datetime.fromisoformat(occurred_at)
    return EventEnvelope.trusted(
        event_id=row[1], host=row[2], seq=row[3], type=row[4], version=row[5],
        occurred_at=occurred_at, command_id=row[7], correlation_id=row[8],
        causation_id=row[9], principal=row[10], payload=loads(row[11]), prev_hash=row[12],
        hash=row[13],
    )


def to_params(event: EventEnvelope, occurred_at: Any) -> list[Any]:
    """Driver parameters for one event, in ``INSERT_KEYS`` order (``occurred_at`` as the
    driver wants it: text for SQLite, the datetime for PostgreSQL)."""
    values = event.__dict__
    return [
        values["event_id"], values["host"], values["seq"], values["type"], values["version"],
        occurred_at,
        values["command_id"], values["correlation_id"], values["causation_id"],
        values["principal"], canonical_json(values["payload"]), values["prev_hash"],
        values["hash"],
    ]


@lru_cache(maxsize=64)
def multi_insert_sql(row_count: int, placeholder: str) -> str:
    """One INSERT with ``row_count`` VALUES groups: one round trip per chunk of events."""
    group = "(" + ", ".join([placeholder] * len(INSERT_KEYS)) + ")"
    return (f"INSERT INTO {events.name} ({', '.join(INSERT_KEYS)}) VALUES "
            + ", ".join([group] * row_count))


def insert_statements(batch: Sequence[EventEnvelope], postgres: bool):
    """``(sql, params)`` pairs that insert ``batch``, at most ``MAX_ROWS_PER_INSERT`` a time."""
    placeholder = "%s" if postgres else "?"
    for start in range(0, len(batch), MAX_ROWS_PER_INSERT):
        chunk = batch[start:start + MAX_ROWS_PER_INSERT]
        params: list[Any] = []
        stamps: dict[datetime, Any] = {}
        for event in chunk:
            moment = event.occurred_at
            if moment not in stamps:
                stamps[moment] = moment if postgres else format_timestamp(moment)
            params.extend(to_params(event, stamps[moment]))
        yield multi_insert_sql(len(chunk), placeholder), tuple(params)
