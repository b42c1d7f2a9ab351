"""Quarantined events: what the audit consumer set aside instead of applying -- an event whose
write the reporting store refused (isolated by splitting its batch) or one claiming a seq far
beyond its host's head -- with the raw body and the reason (issue 15, point 3).

Revision ID: 0005_quarantine
Revises: 0004_as_of_checkpoints
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_quarantine"
down_revision = "0004_as_of_checkpoints"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_quarantine",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("host", sa.String(255)),
        sa.Column("seq", sa.BigInteger()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("stream_offset", sa.BigInteger()),
    )


def downgrade() -> None:
    op.drop_table("report_quarantine")
