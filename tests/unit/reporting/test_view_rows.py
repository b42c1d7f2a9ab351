"""A host view as report rows: one row per key of every view, canonical text, small diffs."""
from __future__ import annotations

import orjson

from projections.host_fold import fold
from projections.reporting.view_rows import HOST_ROW, diff, view_rows
from tests.reporting_history import HistoryWriter


def a_view():
    writer = HistoryWriter("FS1", mounts=2, generations=2)
    events = writer.refresh_maps() + writer.backup(0) + writer.backup(1) + writer.lock(0, 1)
    return writer, events, fold("FS1", events)


def test_every_view_has_one_row_per_key_and_the_scalars_a_host_row():
    _, events, view = a_view()
    rows = view_rows(view)
    assert {key for (name, key) in rows if name == "catalog"} == set(view.catalog)
    assert {key for (name, key) in rows if name == "copy_groups"} == set(view.copy_groups)
    assert {key for (name, key) in rows if name == "volumes"} == {"/mnt/fs0", "/mnt/fs1"}
    assert not any(name == "workflows" for name, _ in rows)
    host = orjson.loads(rows[HOST_ROW])
    assert host["seq"] == events[-1].seq and host["next_backup_number"] == 3


def test_a_catalog_row_has_the_layout_of_the_agents_catalog_answers():
    _, _, view = a_view()
    entry = orjson.loads(view_rows(view)[("catalog", "0000000001")])
    assert entry["instances"] == ["/mnt/fs0"] and entry["rows"][0]["kind"] == "F"
    assert entry["ended_at"].endswith("+00:00") and entry["origin_host"] == "FS1"


def test_the_diff_names_only_what_changed_and_what_went():
    writer, events, view = a_view()
    before = view_rows(view)
    after = view_rows(fold("FS1", events + writer.backup(0)))  # supersedes nothing yet
    changed, removed = diff(before, after)
    assert ("catalog", "0000000003") in changed and removed == []
    assert ("volumes", "/mnt/fs0") not in changed
    assert diff(after, before)[1] == [("catalog", "0000000003")]


def test_tape_entries_are_a_view_and_those_without_a_disk_entry_are_only_on_tape():
    from services.cli.report_summary import tape_only
    from tests.reporting_history import tape_backup

    writer = HistoryWriter("BK1", mounts=1, generations=1)
    events = writer.refresh_maps() + writer.backup(0)
    events += tape_backup(writer, "0000000001", writer.group(0, 0))
    rows = view_rows(fold("BK1", events))
    tape = orjson.loads(rows[("tape", "0000000002")])
    assert tape["source_backup_id"] == "0000000001" and tape["archives"][0]["medium"] == "MEDIA01"

    def documents(flat):
        found: dict = {}
        for (view, key), text in flat.items():
            found.setdefault(view, {})[key] = orjson.loads(text)
        return found

    assert tape_only(documents(rows)) == []
    events += writer.backup(0)  # supersedes the disk entry the tape was made from
    later = documents(view_rows(fold("BK1", events)))
    assert tape_only(later) == [{"backup_id": "0000000002", "media": "MEDIA01"}]


def test_each_applications_views_have_its_prefix_and_stay_apart():
    """PostgreSQL's and SQL Server's ``backups`` are two views (``pg_backups``, ``sql_backups``);
    the file-system and backup-server views keep their names; the row cache follows each."""
    from projections.reporting.row_cache import RowCache
    from tests.unit.agent_fs.views import view_of
    from tests.unit.projections.test_host_fold_areas import every_kind_of_event

    view = view_of(*every_kind_of_event())
    rows = view_rows(view)
    names = {name for name, _ in rows}
    assert {"pg_backups", "sql_backups", "sql_originals", "sql_chains", "pg_clusters",
            "catalog", "copy_groups", "volumes"} <= names
    assert not names & {"backups", "chains", "clusters", "originals"}
    assert {key for name, key in rows if name == "sql_backups"} == set(view.sql.backups)
    assert {key for name, key in rows if name == "pg_backups"} == set(view.postgres.backups)
    cache = RowCache(view, written=False)
    changed, removed = cache.changes()
    assert {(name, key): text for name, key, text in changed} == rows and removed == []
    assert cache.changes() == ([], [])  # nothing changed: nothing to write
