"""Signed heads (ADR 0005): the event store keeps each append batch's signed head; the
reporting store keeps, per host, the last head the auditor verified (its client-held state).

Revision ID: 0006_signed_heads
Revises: 0005_quarantine
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_signed_heads"
down_revision = "0005_quarantine"
branch_labels = None
depends_on = None


def _head_columns() -> list[sa.Column]:
    return [
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "drm_heads",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        *_head_columns(),
    )
    op.create_table(
        "report_heads",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        *_head_columns(),
    )


def downgrade() -> None:
    op.drop_table("report_heads")
    op.drop_table("drm_heads")
