"""Two live processes operating pairs of one array at the same time.

Each child process splits and resyncs its own pair in a loop (writing new data to its P-VOL
each round) and hammers a pair both children share. The pair lock serializes the operations:
on the shared pair the loser of a race gets a CCI-like refusal (EX_INVSTP) and nothing
changes. At the end every record and baseline must load, and every S-VOL must equal its P-VOL.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from adapters.storage.base import VolumeRef
from adapters.storage.copier import CHUNK
from adapters.storage.pairs import CopyType, PairStatus
from adapters.storage.simulated_array import SimulatedStorage
from tests.unit.storage.trees import assert_same_tree, write_tree

REPO = Path(__file__).resolve().parents[3]
ROUNDS = 12

CHILD = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from adapters.storage.base import VolumeRef
    from adapters.storage.errors import CciError
    from adapters.storage.simulated_array import SimulatedStorage
    from tests.unit.storage.trees import assert_same_tree

    root, own, shared, tag, rounds = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    storage = SimulatedStorage(root)
    own_p, own_s, shared_p = (VolumeRef(serial="1", ldev=n) for n in (own, own + 1, shared))
    report = {"first_split": None, "refused": {}, "done": 0}

    def attempt(action):
        try:
            action()
            return True
        except CciError as error:
            report["refused"][error.code] = report["refused"].get(error.code, 0) + 1
            if error.code not in ("EX_INVSTP",):
                raise
            return False

    print("ready", flush=True)
    sys.stdin.readline()  # both children start together
    try:
        storage.pairsplit(shared_p, "0")
        report["first_split"] = "ok"
    except CciError as error:
        report["first_split"] = error.code
    for n in range(rounds):
        (storage.data_dir(own_p) / f"{tag}-{n}.txt").write_bytes(os.urandom(1000 + n))
        storage.pairsplit(own_p, "0")
        assert_same_tree(storage.data_dir(own_p), storage.data_dir(own_s))
        storage.pairresync(own_p, "0")
        attempt(lambda: storage.pairresync(shared_p, "0"))
        storage.pairevtwait(own_p, "0", "PAIR", 20)
        attempt(lambda: storage.pairsplit(shared_p, "0"))
        report["done"] += 1
    storage.wait_idle(30)
    print(json.dumps(report), flush=True)
""")


def _setup(root: Path) -> SimulatedStorage:
    storage = SimulatedStorage(root)
    storage.define_array("1")
    for ldev in (1, 2, 11, 12, 21, 22):
        storage.create_ldev(VolumeRef(serial="1", ldev=ldev), 64 * CHUNK)
    for pvol in (1, 11, 21):
        p = VolumeRef(serial="1", ldev=pvol)
        write_tree(storage.data_dir(p), {f"base/{i}.bin": os.urandom(CHUNK // 2 + i) for i in range(4)})
        storage.paircreate(p, VolumeRef(serial="1", ldev=pvol + 1), CopyType.SI, "0")
    for pvol in (1, 11, 21):
        storage.pairevtwait(VolumeRef(serial="1", ldev=pvol), "0", "PAIR", 20)
    return storage


def test_two_processes_share_one_array_safely(tmp_path):
    root = tmp_path / "arrays"
    storage = _setup(root)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(own), "21", tag, str(ROUNDS)],
                                 cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE) for own, tag in ((1, "a"), (11, "b"))]
    for child in children:
        assert child.stdout.readline().strip() == b"ready"
    for child in children:  # release both at once
        child.stdin.write(b"go\n")
        child.stdin.flush()
    reports = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err.decode()
        reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    assert sorted(r["first_split"] for r in reports) == ["EX_INVSTP", "ok"]  # one wins the race
    assert all(r["done"] == ROUNDS for r in reports)
    assert set().union(*(r["refused"] for r in reports)) <= {"EX_INVSTP"}

    fresh = SimulatedStorage(root)  # every record and baseline must still load
    records = fresh.records()
    assert len(records) == 3 and all(fresh.baseline(r.pair_id) for r in records)
    assert not list(root.rglob("*.tmp"))  # no half-written metadata left behind
    for pvol in (1, 11, 21):
        p = VolumeRef(serial="1", ldev=pvol)
        if fresh.pairdisplay(p, "0").status is PairStatus.PSUS:
            fresh.pairresync(p, "0")
        fresh.pairevtwait(p, "0", "PAIR", 20)
        fresh.pairsplit(p, "0")
        assert_same_tree(fresh.data_dir(p), fresh.data_dir(VolumeRef(serial="1", ldev=pvol + 1)))
    own_files = {path.name for pvol in (1, 11) for path in fresh.data_dir(VolumeRef(serial="1", ldev=pvol)).iterdir()}
    assert {f"a-{n}.txt" for n in range(ROUNDS)} | {f"b-{n}.txt" for n in range(ROUNDS)} <= own_files
    fresh.wait_idle(10)
