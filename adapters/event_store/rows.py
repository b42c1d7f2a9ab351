"""Converting between envelopes and database rows, on the driver's fast path.

Appends and reads are the hot path of the agent and of every projection rebuild, so rows go to
and from the driver directly (``statements``), bypassing SQLAlchemy's per-row type processing;
the conversions it would do are done here.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Sequence

from adapters.event_store.tables import events
from events.canonical import format_timestamp, loads
from events.envelope import EventEnvelope
from events.signing import SignedHead

HEAD_COLUMNS = ("head_signed_at", "head_key_id", "head_signature")
EVENT_KEYS = tuple(c.name for c in events.columns
                   if c.name != "position" and c.name not in HEAD_COLUMNS)
INSERT_KEYS = EVENT_KEYS + HEAD_COLUMNS
SELECT_KEYS = ("position",) + EVENT_KEYS  # what an envelope is rebuilt from
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


NO_HEAD = (None, None, None)


def to_params(event: EventEnvelope, occurred_at: Any, payload_json: bytes,
              head: Sequence[Any] = NO_HEAD) -> list[Any]:
    """Driver parameters for one event, in ``INSERT_KEYS`` order (``occurred_at`` as the
    driver wants it: text for SQLite, the datetime for PostgreSQL); ``head``: the
    ``HEAD_COLUMNS`` values of the signed head that ends at this event, if any."""
    values = event.__dict__
    return [
        values["event_id"], values["host"], values["seq"], values["type"], values["version"],
        occurred_at,
        values["command_id"], values["correlation_id"], values["causation_id"],
        values["principal"], payload_json.decode(), values["prev_hash"],
        values["hash"], *head,
    ]


POSTGRES_TYPES = ("text", "text", "bigint", "text", "integer", "timestamptz", "text", "text",
                  "text", "text", "text", "text", "text", "text", "text", "text")
_COLUMN_LIST = ", ".join(INSERT_KEYS)
POSTGRES_INSERT = (
    f"INSERT INTO {events.name} ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM unnest("
    + ", ".join(f"%b::{kind}[]" for kind in POSTGRES_TYPES)
    + f") WITH ORDINALITY AS batch({_COLUMN_LIST}, n) ORDER BY n"
)


def head_values(head: SignedHead | None) -> Sequence[Any]:
    """The ``HEAD_COLUMNS`` values of ``head`` (all ``None`` without one)."""
    return NO_HEAD if head is None else (head.signed_at, head.key_id, head.signature)


def insert_statements(batch: Sequence[tuple[EventEnvelope, bytes]], postgres: bool,
                      sqlite_insert: Callable[[int], str], head: SignedHead | None = None):
    """``(sql, params)`` pairs that insert ``batch`` in order, ``head`` (the batch's signed
    head, if any) on its last event: on PostgreSQL one statement with one array per column
    (a short query the driver prepares once); on SQLite multi-row VALUES
    (``sqlite_insert(rows)``: the statement for that many rows, positional), at most
    ``MAX_ROWS_PER_INSERT`` rows a statement."""
    last = len(batch) - 1
    if postgres:
        columns = list(zip(*(to_params(event, event.occurred_at, payload_json,
                                       head_values(head) if n == last else NO_HEAD)
                             for n, (event, payload_json) in enumerate(batch))))
        yield POSTGRES_INSERT, tuple(list(column) for column in columns)
        return
    for start in range(0, len(batch), MAX_ROWS_PER_INSERT):
        chunk = batch[start:start + MAX_ROWS_PER_INSERT]
        params: list[Any] = []
        stamps: dict[datetime, Any] = {}
        for event, payload_json in chunk:
            moment = event.occurred_at
            if moment not in stamps:
                stamps[moment] = format_timestamp(moment)
            params.extend(to_params(event, stamps[moment], payload_json))
        if start + len(chunk) > last and head is not None:
            params[-len(HEAD_COLUMNS):] = head_values(head)
        yield sqlite_insert(len(chunk)), tuple(params)
