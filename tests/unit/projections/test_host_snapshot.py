"""The snapshot format of a host view: a view from a snapshot, folded on, is the full fold,
wherever the history was cut; bytes that are not a snapshot of this format are refused."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections import host_snapshot
from projections.host_fold import fold
from projections.host_snapshot import SnapshotError, decode, encode, read_header
from projections.host_view import HostView
from tests.fuzzing import examples
from tests.host_histories import histories, sealed
from tests.reporting_history import history
from tests.unit.projections.test_host_fold_areas import every_kind_of_event
from tests.unit.agent_fs.views import envelopes

HASH = "ab" * 32


def orders(view: HostView) -> list:
    """The order of every dict of the view (``==`` on dicts ignores it; listings follow it)."""
    server = view.backup_server
    return [list(view.catalog), list(view.copy_groups), list(view.volumes), list(view.workflows),
            [list(w.open_steps) for w in view.workflows.values()], list(server.tape),
            list(server.media_copies), list(server.mounts_requested)]


def assert_same_view(found: HostView, expected: HostView) -> None:
    assert found == expected
    assert orders(found) == orders(expected)


def through_snapshot(view: HostView) -> HostView:
    header, thawed = decode(encode(view, HASH))
    assert (header.host, header.seq, header.head_hash) == (view.host, view.seq, HASH)
    return thawed


@settings(max_examples=examples(60), deadline=None)
@given(histories(), st.lists(st.floats(0, 1), min_size=1, max_size=4))
def test_a_view_from_a_snapshot_folded_on_is_the_full_fold_at_every_cut(payloads, cuts):
    events = sealed("FS1", payloads)
    full = fold("FS1", events)
    for point in sorted({max(1, int(c * len(events))) for c in cuts}):
        view = through_snapshot(fold("FS1", events[:point]))
        assert_same_view(fold("FS1", events[point:], view), full)


def test_a_realistic_history_cut_at_many_points_folds_on_to_the_full_fold():
    events = list(itertools.islice(history("FS1", 400), 3000))  # failures, locks, maps
    full = fold("FS1", events)
    for point in range(1, len(events), 211):
        view = through_snapshot(fold("FS1", events[:point]))
        assert_same_view(fold("FS1", events[point:], view), full)


def test_every_area_of_the_view_survives_the_round_trip():
    view = fold("FS1", envelopes(every_kind_of_event(), "FS1"))
    assert view.catalog and view.volumes and view.workflows  # sanity
    assert_same_view(through_snapshot(view), view)
    stream = every_kind_of_event()
    cut = 1 + next(n for n, p in enumerate(stream) if getattr(p, "kind", "") == "restore")
    crashed = fold("FS1", envelopes(stream[:cut], "FS1"))  # a tape restore open
    assert crashed.backup_server.tape and crashed.backup_server.media_copies
    assert_same_view(through_snapshot(crashed), crashed)


def test_the_header_is_one_canonical_line_read_without_the_body():
    data = encode(fold("FS1", envelopes(every_kind_of_event(), "FS1")), HASH)
    line = data[:data.index(b"\n")]
    assert line.startswith(b'{"fold":"') and b" " not in line
    header = read_header(data[:300])
    assert header.format == "drm-host-view" and header.version == 1 and header.seq > 1


@pytest.mark.parametrize("data, why", [
    (b"", "no header line"),
    (b"{not json\n{}", "not JSON"),
    (b'{"format":"other"}\n{}', "not a drm-host-view"),
    (b'{"format":"drm-host-view","version":2}\n{}', "format version 2"),
    (b'{"format":"drm-host-view","version":1,"host":"FS1"}\n{}', "bad header"),
    (b'{"fold":"0","format":"drm-host-view","head_hash":"0","host":"FS1","seq":"1",'
     b'"version":1}\n{}', "bad header"),
])
def test_bytes_that_are_not_a_readable_header_are_refused(data, why):
    with pytest.raises(SnapshotError, match=why):
        decode(data)


def test_a_body_that_is_not_the_view_its_header_names_is_refused():
    first = encode(HostView("FS1", seq=5), HASH)
    other = encode(HostView("FS2", seq=5), HASH)
    swapped = first[:first.index(b"\n") + 1] + other[other.index(b"\n") + 1:]
    with pytest.raises(SnapshotError, match="view of FS2 at seq 5"):
        decode(swapped)
    with pytest.raises(SnapshotError, match="does not decode"):
        decode(first[:-3])
    with pytest.raises(SnapshotError, match="does not decode"):
        decode(first.replace(b'"seq":5,"next', b'"seq":"5","next'))


@settings(max_examples=examples(200), deadline=None)
@given(st.binary(max_size=300), st.integers(0, 400))
def test_random_bytes_in_a_snapshot_never_decode_silently_into_another_view(noise, at):
    good = encode(fold("FS1", envelopes(every_kind_of_event()[:12], "FS1")), HASH)
    bad = good[:at] + noise + good[at + len(noise):]
    try:
        header, view = decode(bad)
    except SnapshotError:
        return
    assert view.host == header.host and view.seq == header.seq  # what decode promises


def test_the_format_constants_are_the_documented_ones():
    assert (host_snapshot.FORMAT, host_snapshot.VERSION) == ("drm-host-view", 1)
