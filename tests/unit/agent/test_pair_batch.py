"""Consecutive ``MakePair`` steps are one batch on the simulated array: every resync is issued
before the first wait, each group closes with its own outcome, and a failure of one group
neither leaves another's step open nor hides the failure."""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from adapters.storage.base import VolumeRef
from adapters.storage.errors import CciError, EX_CMDRJE
from adapters.storage.simulated_array import SimulatedStorage
from events.maps import CopyGroupMap
from services.agent.plan import MakePair, Split
from services.agent.runner import StepFailed, StepRunner

SERIAL = "410001"


def group(name: str, pvol: int, svol: int) -> CopyGroupMap:
    return CopyGroupMap(copy_group=name, copy_type="SI", copy_func="ShadowImage", mu="0",
                        generation="local_0", role="P-VOL", pvol=f"{SERIAL}:{pvol}",
                        svol=f"{SERIAL}:{svol}")


DATA, LOGS = group("PG,DATA", 1, 2), group("PG,WAL", 3, 4)


class CallLog:
    """The real array, with its pair calls logged and ``refused`` calls rejected as the
    array rejects a command (``EX_CMDRJE``) before they reach it."""

    def __init__(self, storage: SimulatedStorage, refused: set[tuple[str, int]] = frozenset()):
        self.storage, self.calls, self.refused = storage, [], refused

    def __getattr__(self, name):
        found = getattr(self.storage, name)
        if name not in ("paircreate", "pairresync", "pairevtwait", "pairsplit", "pairdisplay"):
            return found

        def logged(volume, *args, **kwargs):
            if name != "pairdisplay":  # status reads are refused, not logged
                self.calls.append((name, volume.ldev))
            if (name, volume.ldev) in self.refused:
                raise CciError(EX_CMDRJE, f"{name} refused on {volume}")
            return found(volume, *args, **kwargs)
        return logged


@pytest.fixture
def storage(tmp_path):
    array = SimulatedStorage(tmp_path / "arrays")
    array.define_array(SERIAL)
    for ldev in (1, 2, 3, 4):
        array.create_ldev(VolumeRef(serial=SERIAL, ldev=ldev), 1 << 24)
    yield array
    array.wait_idle(10)


def write(storage, ldev: int, name: str, size: int) -> None:
    (storage.data_dir(VolumeRef(serial=SERIAL, ldev=ldev)) / name).write_bytes(os.urandom(size))


def runner_on(storage):
    recorded: list = []
    context = SimpleNamespace(ports=SimpleNamespace(storage=storage), record=recorded.extend,
                              progress=lambda text: None)
    return StepRunner(context, "wf-1", timeout=30), recorded


def kinds(recorded) -> list[tuple[str, str]]:
    return [(type(e).__name__, getattr(e, "copy_group", "")) for e in recorded]


def test_every_resync_of_a_batch_is_issued_before_the_first_wait(storage):
    log = CallLog(storage)
    runner, recorded = runner_on(log)
    write(storage, 1, "base", 1 << 20)
    write(storage, 3, "000000010000000000000001", 1 << 20)
    runner.run_plan([MakePair(DATA), MakePair(LOGS), Split(DATA), Split(LOGS)])
    write(storage, 1, "base", 1 << 20)
    write(storage, 3, "000000010000000000000002", 1 << 20)
    log.calls.clear()
    recorded.clear()
    runner.run_plan([MakePair(DATA), MakePair(LOGS), Split(DATA), Split(LOGS)])
    assert log.calls == [("pairresync", 1), ("pairresync", 3), ("pairevtwait", 1),
                         ("pairevtwait", 3), ("pairsplit", 1), ("pairsplit", 3)]
    assert kinds(recorded)[:4] == [("PairResyncRequested", "PG,DATA"),
                                   ("PairResyncRequested", "PG,WAL"),
                                   ("PairResynced", "PG,DATA"), ("PairResynced", "PG,WAL")]
    for pvol, svol in ((1, 2), (3, 4)):
        src = storage.data_dir(VolumeRef(serial=SERIAL, ldev=pvol))
        dst = storage.data_dir(VolumeRef(serial=SERIAL, ldev=svol))
        assert {p.name: p.read_bytes() for p in src.iterdir()} == \
            {p.name: p.read_bytes() for p in dst.iterdir()}


def test_a_group_refused_at_its_start_stops_the_batch_but_the_issued_ones_close(storage):
    log = CallLog(storage, refused={("paircreate", 3)})
    runner, recorded = runner_on(log)
    third = group("PG,TS", 5, 6)
    with pytest.raises(StepFailed) as failed:
        runner.run_plan([MakePair(DATA), MakePair(LOGS), MakePair(third)])
    assert failed.value.step == "resync PG,WAL"
    assert ("paircreate", 5) not in log.calls  # nothing is issued after a refusal
    assert kinds(recorded) == [("PairResyncRequested", "PG,DATA"),
                               ("PairResyncRequested", "PG,WAL"),
                               ("PairStepFailed", "PG,WAL"), ("PairResynced", "PG,DATA")]


def test_a_copy_that_fails_is_reported_after_the_others_reached_pair(storage):
    runner, recorded = runner_on(storage)
    write(storage, 1, "big", 4 << 20)
    storage.faults.stop_copy_after(f"{SERIAL}-1-SI-0", 1 << 20)
    with pytest.raises(StepFailed) as failed:
        runner.run_plan([MakePair(DATA), MakePair(LOGS)])
    assert failed.value.step == "resync PG,DATA"
    assert kinds(recorded) == [("PairResyncRequested", "PG,DATA"),
                               ("PairResyncRequested", "PG,WAL"),
                               ("PairStepFailed", "PG,DATA"), ("PairResynced", "PG,WAL")]
    assert recorded[2].status == "PSUE"


def test_a_status_that_cannot_be_read_stops_the_batch_before_anything_is_recorded(storage):
    log = CallLog(storage, refused={("pairdisplay", 3)})
    runner, recorded = runner_on(log)
    with pytest.raises(CciError):
        runner.run_plan([MakePair(DATA), MakePair(LOGS)])
    assert recorded == []
    assert not [call for call in log.calls if call[0] in ("paircreate", "pairresync")]
