"""Table definitions of the event store, for queries. The schema itself is made by the
alembic migrations in ``infra/alembic`` and must stay in step with this module."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text,
                        TypeDecorator)

from events.canonical import format_timestamp

metadata = MetaData()


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in and out. PostgreSQL stores ``timestamptz``; SQLite stores the
    canonical text ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, which sorts in time order."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the event store")
        return format_timestamp(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


Position = BigInteger().with_variant(Integer, "sqlite")

events = Table(
    "drm_events", metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("host", String(255), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("command_id", String(36)),
    Column("correlation_id", String(36)),
    Column("causation_id", String(36)),
    Column("principal", String(255), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # The signed head that seals the stream at this event, on the last event of each signed
    # append batch (ADR 0005); its seq and hash are the row's own. NULL on every other row.
    Column("head_signed_at", String(32)),
    Column("head_key_id", String(16)),
    Column("head_signature", String(128)),
)

streams = Table(
    "drm_streams", metadata,
    Column("host", String(255), primary_key=True),
    Column("head_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("published_seq", BigInteger, nullable=False, server_default="0"),
    # The host's last signed head, kept apart from the events it covers: deleting the events
    # it signed (and fixing head_seq/head_hash) leaves it pointing at what is gone (ADR 0005).
    Column("signed_seq", BigInteger),
    Column("signed_hash", String(64)),
    Column("signed_at", String(32)),
    Column("signed_key_id", String(16)),
    Column("signed_signature", String(128)),
)

commands = Table(
    "drm_commands", metadata,
    Column("command_id", String(36), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("first_seq", BigInteger, nullable=False),
)
