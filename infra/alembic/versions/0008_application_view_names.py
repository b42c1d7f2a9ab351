"""Application views named with their application's prefix: the rows of ``report_views`` that
PostgreSQL's part of the host view (``HostView.postgres``) made get ``pg_``, SQL Server's
(``HostView.sql``, ``HostView.sql_logs``) ``sql_``; the file-system and backup-server views
keep their names. ``backups`` was both applications' view: a row of SQL Server details is told
by its ``metafiles`` key (which PostgreSQL's backups do not have). Downgrade strips the
prefixes again.

The names are written out here, as they were at this revision, not read from the code.

Revision ID: 0008_application_view_names
Revises: 0007_heads_in_rows
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_application_view_names"
down_revision = "0007_heads_in_rows"
branch_labels = None
depends_on = None

PG = ("clusters", "wal", "marks", "started", "down", "restored", "recoveries")
SQL = ("settings", "instances", "originals", "chains", "roll_forwards", "restores", "states",
       "restored_entries")
SQL_BACKUP = "data LIKE '%\"metafiles\":%'"  # canonical JSON: a key, never inside a string

views = sa.table("report_views", sa.column("view", sa.String), sa.column("data", sa.Text))


def _rename(old: str, new: str, where: str = "") -> None:
    statement = sa.update(views).where(views.c.view == old).values(view=new)
    if where:
        statement = statement.where(sa.text(where))
    op.execute(statement)


def upgrade() -> None:
    for name in PG:
        _rename(name, f"pg_{name}")
    for name in SQL:
        _rename(name, f"sql_{name}")
    _rename("backups", "sql_backups", SQL_BACKUP)
    _rename("backups", "pg_backups")


def downgrade() -> None:
    for name in (*PG, "backups"):
        _rename(f"pg_{name}", name)
    for name in (*SQL, "backups"):
        _rename(f"sql_{name}", name)
