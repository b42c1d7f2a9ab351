"""Table definitions of the reporting store, for queries. The schema is made by the alembic
revisions ``0002_reporting``, ``0003_report_partial_indexes`` and ``0005_quarantine``,
``0006_signed_heads`` (report_heads), ``0008_application_view_names`` (the rows' view names)
and must stay in step with this module."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Integer, LargeBinary, MetaData, String, Table,
                        Text)

from adapters.event_store.tables import UtcDateTime

metadata = MetaData()
Id = BigInteger().with_variant(Integer, "sqlite")

report_events = Table(
    "report_events", metadata,
    Column("host", String(255), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("event_id", String(36), nullable=False),
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
    Column("known", Boolean, nullable=False),
    Column("folded", Boolean, nullable=False),
    Column("backup_id", String(32)),
    Column("original_id", String(32)),
    Column("origin_host", String(255)),
)

report_commands = Table(
    "report_commands", metadata,
    Column("command_id", String(36), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("principal", String(255), nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("command", String(128)),
    Column("outcome", String(32)),
    Column("message_id", String(32)),
    Column("text", Text),
    Column("ended_at", UtcDateTime),
)

report_alerts = Table(
    "report_alerts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("host", String(255)),
    Column("seq", BigInteger),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("stream_offset", BigInteger),
)

report_hosts = Table(
    "report_hosts", metadata,
    Column("host", String(255), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("untrusted_from", BigInteger),
    Column("untrusted_reason", Text),
)

report_views = Table(
    "report_views", metadata,
    Column("host", String(255), primary_key=True),
    Column("view", String(64), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("data", Text, nullable=False),
)

report_position = Table(
    "report_position", metadata,
    Column("source", String(255), primary_key=True),
    Column("stream_offset", BigInteger, nullable=False),
)

report_quarantine = Table(
    "report_quarantine", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("host", String(255)),
    Column("seq", BigInteger),
    Column("reason", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("stream_offset", BigInteger),
)
"""Events set aside by the consumer (issue 15): their raw body and why; each also has an alert
``quarantined`` naming host and seq."""

report_heads = Table(  # the last signed head the consumer verified per host (ADR 0005)
    "report_heads", metadata,
    Column("host", String(255), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("signed_at", String(32), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
)

VIEW_TABLES = (report_views, report_hosts, report_alerts, report_commands, report_events,
               report_quarantine, report_position, report_heads)
"""Everything ``drm report rebuild`` empties before it replays from the start."""
