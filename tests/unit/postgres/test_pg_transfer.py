"""A PostgreSQL backup coming home through the backup server (issue 14, pg-more): the import
records the original's facts under the new ID only when the entry's origin is this host."""
from __future__ import annotations

from projections.host_view import HostView
from projections.pg_view import PgBackupState
from services.agent.postgres.transfer import returning_pg_details

DIGEST = "a" * 64


def a_view() -> HostView:
    view = HostView("DBServer")
    view.postgres.backups["0000000001"] = PgBackupState(
        "0000000001", "wf", "pg1", "ONLINE", "local_0", ("PG,DATA", "PG,WAL"), "0/2000028",
        "0/2000100", 1, "000000010000000000000002", "000000010000000000000002",
        "/labels/0000000001_backup_label", DIGEST, None, None, 7,
        (("/labels/0000000001_backup_label", 200, DIGEST),))
    return view


def test_an_entry_coming_home_gets_its_originals_facts_under_the_new_id():
    [details] = returning_pg_details(a_view(), "dbserver", "0000000001", "0000000009")
    assert details.backup_id == "0000000009" and details.workflow_id == ""
    assert (details.cluster, details.start_lsn, details.timeline, details.label_sha256) == \
        ("pg1", "0/2000028", 1, DIGEST)
    assert details.copy_groups == ("PG,DATA", "PG,WAL")
    assert details.metadata[0].path == "/labels/0000000001_backup_label"


def test_another_hosts_entry_or_an_unknown_original_gets_none():
    assert returning_pg_details(a_view(), "FSServer", "0000000001", "0000000009") == []
    assert returning_pg_details(a_view(), "DBServer", "0000000002", "0000000009") == []
