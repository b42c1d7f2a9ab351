"""A host view's state as JSON text and back (the as-of checkpoints): folding on from a thawed
state gives the reported rows of the full fold, wherever the stream was cut."""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from events.maps import CopyGroupMap, VolumeMap
from projections.host_view import CatalogRow, HostView, Workflow
from projections.reporting.folding import fold_rows
from projections.reporting.view_rows import view_rows
from projections.reporting.view_state import fold_fingerprint, freeze, thaw
from projections.tape_view import Archive, MediaCopy, TapeEntry, TapeSettingsView
from tests.reporting_history import history

EVENTS = list(itertools.islice(history("FS1", 700), 5000))  # failures, locks, map refreshes
ROWS = [(e.seq, e.type, e.version, dict(e.payload)) for e in EVENTS]
AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def without_ended_workflows(view: HostView) -> HostView:
    return replace(view, workflows={k: w for k, w in view.workflows.items() if not w.ended},
                   ended_workflows={})


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=len(ROWS)))
def test_folding_on_from_a_thawed_state_gives_the_rows_of_the_full_fold(cut):
    state = freeze(fold_rows("FS1", ROWS[:cut]))
    assert view_rows(fold_rows("FS1", ROWS[cut:], thaw(state))) == view_rows(
        fold_rows("FS1", ROWS))


def test_a_thawed_state_is_the_view_without_its_ended_workflows():
    view = fold_rows("FS1", ROWS[:2345])
    thawed = thaw(freeze(view))
    assert thawed == without_ended_workflows(view)
    assert freeze(thawed) == freeze(view)


def test_the_backup_servers_tape_part_and_open_workflows_survive_the_round_trip():
    row = CatalogRow("F", "/mnt/fs1", "/mnt/fs1", "", "100:0001", "VG01,dev01")
    view = HostView("BK1", seq=42)
    view.volumes["/mnt/fs1"] = VolumeMap(mount_point="/mnt/fs1", device="100:0001", copy_groups=(
        CopyGroupMap(copy_group="VG01,dev01", copy_type="SI", copy_func="ShadowImage", mu="0",
                     generation="local_0", role="S-VOL", pvol="100:0001", svol="100:0101"),))
    view.workflows["w1"] = Workflow("w1", "backup", "0000000007", ("VG01,dev01",), ("/mnt/fs1",),
                                    40, {"split:VG01,dev01": "PairSplitRequested"},
                                    {"/mnt/fs1"}, {"VG01,dev01"})
    server = view.backup_server
    server.tape["0000000003"] = TapeEntry(
        "0000000003", "0000000001", "FS1", "0000000002", "FILESYSTEM", "COLD", ("/mnt/fs1",),
        (row,), "local_0", ("VG01,dev01",), "", AT, AT, None,
        (Archive("VG01,dev01", "TAPE01", "label-1"),), 41)
    server.settings = TapeSettingsView("NBU", 30, True)
    server.media_copies["w2"] = MediaCopy("w2", "backup", "0000000004", "0000000003",
                                          ("VG01,dev01",))
    server.mounts_requested["VG01,dev01"] = "/mnt/bk1"
    assert thaw(freeze(view)) == view


def test_the_fingerprint_names_the_fold_code_and_is_stable_within_a_process():
    assert len(fold_fingerprint()) == 16 and fold_fingerprint() == fold_fingerprint()
