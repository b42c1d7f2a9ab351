"""Failure injection, and a copy whose process is killed with SIGKILL."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from adapters.storage.base import VolumeRef
from adapters.storage.copier import CHUNK
from adapters.storage.errors import CciError
from adapters.storage.pairs import CopyType, PairStatus
from adapters.storage.simulated_array import SimulatedStorage
from tests.unit.storage.trees import assert_same_tree, write_tree

REPO = Path(__file__).resolve().parents[3]


def test_fail_next_suspends_the_pair_and_resync_recovers(lab2):
    write_tree(lab2.path(lab2.p), {"a": b"a"})
    record = lab2.storage.paircreate(lab2.p, lab2.locals[0], CopyType.SI, "0")
    lab2.storage.pairevtwait(lab2.p, "0", "PAIR", 10)
    lab2.storage.faults.fail_next(record.pair_id)
    with pytest.raises(CciError) as error:
        lab2.storage.pairsplit(lab2.p, "0")
    assert error.value.code == "EX_CMDRJE"
    assert lab2.storage.pairdisplay(lab2.p, "0").status is PairStatus.PSUE
    lab2.storage.pairresync(lab2.p, "0")
    assert lab2.storage.pairevtwait(lab2.p, "0", "PAIR", 10).status is PairStatus.PAIR


def test_stopped_copy_goes_to_psue_never_pair(lab2):
    write_tree(lab2.path(lab2.p), {"big": os.urandom(6 * CHUNK)})
    lab2.storage.faults.stop_copy_after("*", 2 * CHUNK)
    lab2.storage.paircreate(lab2.p, lab2.locals[0], CopyType.SI, "0")
    with pytest.raises(CciError):
        lab2.storage.pairevtwait(lab2.p, "0", "PAIR", 10)
    assert lab2.storage.pairdisplay(lab2.p, "0").status is PairStatus.PSUE
    lab2.storage.pairresync(lab2.p, "0")  # the stop fault fired once; the resync completes
    lab2.storage.pairevtwait(lab2.p, "0", "PAIR", 10)


def test_slow_copy_shows_progress_and_refuses_split_while_copying(lab2):
    write_tree(lab2.path(lab2.p), {"big": os.urandom(8 * CHUNK)})
    lab2.storage.faults.slow_copy("*", 0.05)
    lab2.storage.paircreate(lab2.p, lab2.locals[0], CopyType.SI, "0")
    with pytest.raises(CciError) as error:
        lab2.storage.pairsplit(lab2.p, "0")
    assert error.value.code == "EX_INVSTP"
    time.sleep(0.3)
    record = lab2.storage.pairdisplay(lab2.p, "0")
    assert record.status is PairStatus.COPY and 0 < record.percent < 100
    lab2.storage.faults.clear()
    assert lab2.storage.pairevtwait(lab2.p, "0", "PAIR", 10).percent == 100


def test_delete_during_copy_stops_it(lab2):
    write_tree(lab2.path(lab2.p), {"big": os.urandom(8 * CHUNK)})
    lab2.storage.faults.slow_copy("*", 0.05)
    lab2.storage.paircreate(lab2.p, lab2.locals[0], CopyType.SI, "0")
    lab2.storage.pairsplit(lab2.p, "0", simplex=True)
    lab2.storage.wait_idle(5)
    assert lab2.storage.pairdisplay(lab2.p, "0") is None


CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from adapters.storage.base import VolumeRef
    from adapters.storage.simulated_array import SimulatedStorage
    storage = SimulatedStorage(Path(sys.argv[1]))
    storage.faults.slow_copy("*", 0.05)
    storage.paircreate(VolumeRef(serial="1", ldev=1), VolumeRef(serial="1", ldev=2), "SI", "0")
    print("started", flush=True)
    storage.wait_idle()
""")


def start_copy_and_kill(root: Path) -> None:
    storage = SimulatedStorage(root)
    storage.define_array("1")
    for ldev in (1, 2):
        storage.create_ldev(VolumeRef(serial="1", ldev=ldev), 64 * CHUNK)
    write_tree(storage.data_dir(VolumeRef(serial="1", ldev=1)),
               {f"f{i}": os.urandom(3 * CHUNK + i) for i in range(6)} | {"d/small": b"s"})
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(root)], cwd=REPO, stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    assert child.stdout.readline().strip() == b"started"
    deadline = time.monotonic() + 10
    while True:  # kill once some progress has been persisted, mid-copy
        record = storage.pairdisplay(VolumeRef(serial="1", ldev=2), "0")
        if record and record.bytes_done > 2 * CHUNK or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("policy, outcome", [("resume", PairStatus.PAIR), ("psue", PairStatus.PSUE)])
def test_a_copy_killed_mid_way_is_resumed_or_suspended_on_restart(tmp_path, policy, outcome):
    root = tmp_path / "arrays"
    start_copy_and_kill(root)
    (root / "faults.json").unlink()
    storage = SimulatedStorage(root, orphan_policy=policy)
    pvol, svol = VolumeRef(serial="1", ldev=1), VolumeRef(serial="1", ldev=2)
    record = storage.pairdisplay(pvol, "0")
    assert record.status in (PairStatus.COPY, PairStatus.PSUE)
    if outcome is PairStatus.PAIR:
        storage.pairevtwait(pvol, "0", "PAIR", 20)
        storage.pairsplit(pvol, "0")
        assert_same_tree(storage.data_dir(pvol), storage.data_dir(svol))
    else:
        assert record.status is PairStatus.PSUE
        storage.pairresync(pvol, "0")
        storage.pairevtwait(pvol, "0", "PAIR", 20)
        storage.pairsplit(pvol, "0")
        assert_same_tree(storage.data_dir(pvol), storage.data_dir(svol))
    storage.wait_idle(10)
