"""Reporting store: the backup-ID indexes of ``report_events`` cover only the events that name
a backup. Most events (pair steps, outcomes, locks) have neither ID; indexing their NULLs cost
every insert of a replay and served no query (the lineage queries look IDs up by equality,
which implies ``IS NOT NULL``, so they use the partial indexes).

Revision ID: 0003_report_partial_indexes
Revises: 0002_reporting
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_report_partial_indexes"
down_revision = "0002_reporting"
branch_labels = None
depends_on = None

INDEXES = (("ix_report_events_backup_id", "backup_id"),
           ("ix_report_events_original_id", "original_id"))


def upgrade() -> None:
    for name, column in INDEXES:
        op.drop_index(name, table_name="report_events")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "report_events", [column], postgresql_where=where,
                        sqlite_where=where)


def downgrade() -> None:
    for name, column in INDEXES:
        op.drop_index(name, table_name="report_events")
        op.create_index(name, "report_events", [column])
