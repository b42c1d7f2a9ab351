"""Reporting store: the events of every host as the audit consumer received them, the commands
and their outcomes, integrity alerts, per-host chain state, the hosts' views as rows, and the
position the consumer has applied (DESIGN §6, issue 6).

Revision ID: 0002_reporting
Revises: 0001_event_store
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_reporting"
down_revision = "0001_event_store"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_events",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("command_id", sa.String(36)),
        sa.Column("correlation_id", sa.String(36)),
        sa.Column("causation_id", sa.String(36)),
        sa.Column("principal", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("folded", sa.Boolean(), nullable=False),
        sa.Column("backup_id", sa.String(32)),
        sa.Column("original_id", sa.String(32)),
        sa.Column("origin_host", sa.String(255)),
    )
    op.create_index("ix_report_events_backup_id", "report_events", ["backup_id"])
    op.create_index("ix_report_events_original_id", "report_events", ["original_id"])
    op.create_table(
        "report_commands",
        sa.Column("command_id", sa.String(36), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("principal", sa.String(255), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("command", sa.String(128)),
        sa.Column("outcome", sa.String(32)),
        sa.Column("message_id", sa.String(32)),
        sa.Column("text", sa.Text()),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "report_alerts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("host", sa.String(255)),
        sa.Column("seq", sa.BigInteger()),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("stream_offset", sa.BigInteger()),
    )
    op.create_table(
        "report_hosts",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("untrusted_from", sa.BigInteger()),
        sa.Column("untrusted_reason", sa.Text()),
    )
    op.create_table(
        "report_views",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("view", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
    )
    op.create_table(
        "report_position",
        sa.Column("source", sa.String(255), primary_key=True),
        sa.Column("stream_offset", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    for name in ("report_position", "report_views", "report_hosts", "report_alerts",
                 "report_commands", "report_events"):
        op.drop_table(name)
