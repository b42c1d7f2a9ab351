"""The rows of a live view kept up to date from what the fold reached: always the full diff,
at the cost of the rows that changed."""
from __future__ import annotations

from projections.host_fold import apply
from projections.host_view import HostView
from projections.reporting.row_cache import RowCache, TrackedDict
from projections.reporting.view_rows import diff, view_rows
from tests.reporting_history import HistoryWriter, history, tape_backup


def applied(rows: dict, changes) -> dict:
    changed, removed = changes
    rows = dict(rows)
    for view, key in removed:
        del rows[(view, key)]
    rows.update({(view, key): text for view, key, text in changed})
    return rows


def test_each_round_gives_exactly_the_diff_to_the_full_rows():
    events = list(history("FS1", 1200))  # map refreshes, supersessions, locks, failures
    view = HostView("FS1")
    cache, rows = RowCache(view, written=False), {}
    for start in range(0, len(events), 97):
        before = dict(rows)
        for event in events[start:start + 97]:
            apply(view, event)
        changes = cache.changes()
        rows = applied(rows, changes)
        assert rows == view_rows(view)
        changed, removed = diff(before, rows)
        assert sorted(removed) == sorted(changes[1])
        assert {(v, k): t for v, k, t in changes[0]} == changed


def test_a_view_loaded_from_the_store_starts_from_its_rows():
    events = list(history("FS1", 300))
    view = HostView("FS1")
    for event in events[:-20]:
        apply(view, event)
    cache, written = RowCache(view, written=True), view_rows(view)
    assert cache.changes() == ([], [])
    for event in events[-20:]:
        apply(view, event)
    assert applied(written, cache.changes()) == view_rows(view)


def test_one_backup_reaches_a_few_catalog_rows_of_a_large_catalog():
    writer = HistoryWriter("BK1", mounts=1, generations=1)
    events = writer.refresh_maps() + writer.backup(0)
    events += [e for n in range(2000) for e in tape_backup(writer, "0000000001", "VG00,dev00")]
    view = HostView("BK1")
    for event in events:
        apply(view, event)
    cache = RowCache(view, written=True)
    for event in writer.backup(0):
        apply(view, event)
    tape, catalog = view.backup_server.tape, view.catalog
    assert isinstance(tape, TrackedDict) and len(tape) == 2000
    assert not tape.touched and not tape.everything and len(catalog.touched) <= 2
    changed, removed = cache.changes()
    assert {view for view, _, _ in changed} <= {"catalog", "copy_groups", "host"}
    assert removed == [("catalog", "0000000001")]
