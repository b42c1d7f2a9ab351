"""Event store: events; per-host stream heads with their publication cursor (the outbox);
the first seq of each command (idempotency).

Revision ID: 0001_event_store
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_event_store"
down_revision = None
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "drm_events",
        sa.Column("position", POSITION, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
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
        sa.UniqueConstraint("host", "seq", name="uq_drm_events_host_seq"),
    )
    op.create_table(
        "drm_streams",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("head_seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("published_seq", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_table(
        "drm_commands",
        sa.Column("command_id", sa.String(36), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("drm_commands")
    op.drop_table("drm_streams")
    op.drop_table("drm_events")
