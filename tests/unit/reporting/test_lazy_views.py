"""Views are loaded when a host's first foldable event arrives, not when the ingestor starts."""
from __future__ import annotations

from projections.host_fold import fold
from projections.reporting.ingest import HostChain, Ingestor, SourceRecord
from projections.reporting.view_rows import view_rows
from events.codec import encode_event
from tests.reporting_history import HistoryWriter


def records(events, first_offset=0):
    return [SourceRecord(first_offset + n, encode_event(e)) for n, e in enumerate(events)]


def test_a_host_is_loaded_once_on_its_first_new_event_and_others_never():
    busy, quiet = HistoryWriter("FS1"), HistoryWriter("FS2")
    done = {"FS1": busy.refresh_maps() + busy.backup(0), "FS2": quiet.refresh_maps()}
    stored = {e.seq: e.hash for e in done["FS1"]}
    loaded: list[str] = []

    def load_view(host):  # what the store's copy of the host's events folds into
        loaded.append(host)
        return fold(host, done[host])

    chains = [HostChain(h, e[-1].seq, e[-1].hash) for h, e in done.items()]
    ingestor = Ingestor(lambda host, seq: stored.get(seq), chains, load_view=load_view)
    assert loaded == [] and ingestor.views == {}
    again = ingestor.ingest(records(done["FS1"][-2:]))  # duplicates: nothing to fold
    assert again.duplicates == 2 and loaded == []
    new = busy.backup(1) + busy.backup(2)
    changes = ingestor.ingest(records(new[:3])), ingestor.ingest(records(new[3:], 3))
    assert loaded == ["FS1"] and set(ingestor.views) == {"FS1"}
    rows = view_rows(fold("FS1", done["FS1"]))
    for batch in changes:
        for host, view, key in batch.removed_rows:
            del rows[(view, key)]
        rows.update({(view, key): text for host, view, key, text in batch.changed_rows})
    assert rows == view_rows(fold("FS1", done["FS1"] + new))


def test_a_loaded_view_brings_the_stored_rows_up_to_date():
    """With ``load_rows``, what the store holds for a host (rows under a view name no longer
    made, a stale row, a row missing) is brought to the view's rows by its first batch."""
    busy = HistoryWriter("FS1")
    done = busy.refresh_maps() + busy.backup(0)
    stored_hashes = {e.seq: e.hash for e in done}
    rows = view_rows(fold("FS1", done))
    stored = dict(rows)
    (name, key), text = next((k, v) for k, v in rows.items() if k[0] == "copy_groups")
    del stored[(name, key)]  # missing
    catalog_key = next(k for k in rows if k[0] == "catalog")
    stored[catalog_key] = "{}"  # stale
    stored[("backups", "0000000009")] = "{}"  # an old view name
    ingestor = Ingestor(lambda host, seq: stored_hashes.get(seq),
                        [HostChain("FS1", done[-1].seq, done[-1].hash)],
                        load_view=lambda host: fold(host, done),
                        load_rows=lambda host: dict(stored))
    new = busy.backup(1)
    batch = ingestor.ingest(records(new))
    for host, view, key in batch.removed_rows:
        del stored[(view, key)]
    stored.update({(view, key): text for host, view, key, text in batch.changed_rows})
    assert stored == view_rows(fold("FS1", done + new))
