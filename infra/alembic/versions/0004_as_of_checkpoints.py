"""As-of checkpoints: the whole state of a host's view at seq N, written by the audit consumer
every so many events, so that ``drm report … --as-of T`` folds only the events after the
nearest checkpoint before T (``adapters.reporting.checkpoints``).

Revision ID: 0004_as_of_checkpoints
Revises: 0003_report_partial_indexes
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_as_of_checkpoints"
down_revision = "0003_report_partial_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_checkpoints",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        sa.Column("max_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_checkpoints")
