"""Migration 0008 gives the application views stored before it their prefix (``pg_``,
``sql_``) and splits the shared ``backups`` view between them, on SQLite and PostgreSQL, so an
existing reporting database holds the rows the consumer now writes; downgrade takes it back."""
from __future__ import annotations

import orjson
import pytest
from sqlalchemy import text

from adapters.migrations import downgrade, upgrade
from projections.reporting.view_rows import view_rows
from tests.services import sqlite_or_scratch_postgres
from tests.unit.agent_fs.views import view_of
from tests.unit.postgres.streams import every_pg_event
from tests.unit.projections.test_host_fold_areas import sql_backup_events
from tests.unit.sql_restore.stream import sql_restore_events


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    with sqlite_or_scratch_postgres(request.param, tmp_path,
                                    lambda: request.getfixturevalue("postgres_server_url"),
                                    "report.db") as found:
        yield found


def stored(engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        return {(view, key): data for view, key, data in conn.execute(text(
            "SELECT view, key, data FROM report_views WHERE host = 'H'"))}


def test_rows_stored_under_the_old_names_upgrade_to_the_new_ones(engine):
    view = view_of(*every_pg_event(), *sql_backup_events(), *sql_restore_events())
    rows = view_rows(view)
    assert {name for name, _ in rows} >= {"pg_backups", "sql_backups", "sql_chains",
                                          "pg_clusters", "sql_originals"}
    upgrade(engine, "0007_heads_in_rows")
    old = {(name.removeprefix("pg_").removeprefix("sql_") if name.startswith(("pg_", "sql_"))
            else name, key): data for (name, key), data in rows.items()}
    assert len(old) == len(rows)  # the old names shared one view, never one row
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO report_views (host, view, key, data) "
                          "VALUES ('H', :view, :key, :data)"),
                     [{"view": v, "key": k, "data": d} for (v, k), d in old.items()])
    upgrade(engine)
    assert stored(engine) == rows
    assert "metafiles" in orjson.loads(rows[("sql_backups", "0000000005")])
    downgrade(engine, "0007_heads_in_rows")
    assert stored(engine) == old
