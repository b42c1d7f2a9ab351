"""The resync through the change journal leaves the S-VOL the full comparison leaves.

One P-VOL, two S-VOLs: pair 0 is copied through the journal, pair 1 (another ``SimulatedStorage``
on the same arrays, journal off) by the full comparison. Random sequences of writes, patches,
truncations, renames, deletes, directories, hard links, symlinks, modes, owners and times hit
the P-VOL and (split ``-rw``) both S-VOLs alike; at every sync the three volumes must have the
same tree digest (bytes, mode, owner, group, mtimes, link targets and hard-link structure).
"""
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.storage.base import VolumeRef
from adapters.storage.journal import journal
from adapters.storage.pairs import CopyType
from adapters.storage.simulated_array import SimulatedStorage
from adapters.storage.snapshots import ChunkPool, take_snapshot
from tests.fuzzing import examples
from tests.unit.storage.trees import tree_digest, write_tree

PATHS = ["a", "b", "d/a", "d/b", "d/e/a", "e/a", "e/b"]
DIRS = ["d", "e", "d/e", "f"]
ANY = PATHS + DIRS
P, S_JOURNAL, S_FULL = (VolumeRef(serial="1", ldev=n) for n in (1, 2, 3))

op = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(PATHS), st.integers(0, 3 << 20), st.integers(0, 255)),
    st.tuples(st.just("patch"), st.sampled_from(PATHS), st.integers(0, 2 << 20)),
    st.tuples(st.just("truncate"), st.sampled_from(PATHS), st.integers(0, 2 << 20)),
    st.tuples(st.just("rename"), st.sampled_from(ANY), st.sampled_from(ANY)),
    st.tuples(st.just("delete"), st.sampled_from(ANY)),
    st.tuples(st.just("mkdir"), st.sampled_from(DIRS)),
    st.tuples(st.just("link"), st.sampled_from(PATHS), st.sampled_from(PATHS)),
    st.tuples(st.just("symlink"), st.sampled_from(["a", "../b", "nowhere"]), st.sampled_from(PATHS)),
    st.tuples(st.just("chmod"), st.sampled_from(ANY), st.sampled_from([0o600, 0o644, 0o755, 0o2750])),
    st.tuples(st.just("chown"), st.sampled_from(ANY), st.sampled_from([(0, 0), (26, 26), (1000, 100)])),
    st.tuples(st.just("touch"), st.sampled_from(ANY), st.integers(10 ** 9, 2 * 10 ** 9)),
)
step = st.one_of(op, st.tuples(st.just("svol"), op), st.just(("sync",)), st.just(("restore",)))


def apply(root: Path, change: tuple) -> None:
    """Apply one change to the tree under ``root``; a change the tree does not allow is skipped."""
    kind, *args = change
    path = root / args[0]
    try:
        if kind in ("write", "patch", "truncate", "link", "symlink", "mkdir"):
            (root / args[-1 if kind in ("link", "symlink") else 0]).parent.mkdir(parents=True, exist_ok=True)
        if kind == "write":
            with open(path, "wb") as handle:
                handle.write(bytes([args[2]]) * args[1])
        elif kind == "patch":
            with open(path, "r+b") as handle:
                handle.seek(args[1])
                handle.write(b"patched")
        elif kind == "truncate":
            os.truncate(path, args[1])
        elif kind == "rename":
            os.rename(path, root / args[1])
        elif kind == "delete":
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        elif kind == "mkdir":
            path.mkdir()
        elif kind == "link":
            os.link(path, root / args[1], follow_symlinks=False)
        elif kind == "symlink":
            os.symlink(args[0], root / args[1])
        elif kind == "chmod":
            if not path.is_symlink():
                os.chmod(path, args[1])
        elif kind == "chown":
            os.chown(path, *args[1], follow_symlinks=False)
        elif kind == "touch":
            os.utime(path, ns=(args[1], args[1]), follow_symlinks=False)
    except OSError:
        pass


class Arrays:
    def __init__(self, root: Path) -> None:
        self.journaled = SimulatedStorage(root)
        self.full = SimulatedStorage(root, journal=False)
        self.journaled.define_array("1")
        for vol in (P, S_JOURNAL, S_FULL):
            self.journaled.create_ldev(vol, 256 << 20)
        write_tree(self.dir(P), {"a": b"alpha", "d/a": os.urandom(5000), "e/b": b"b" * 70000})
        self.journaled.paircreate(P, S_JOURNAL, CopyType.SI, "0")
        self.full.paircreate(P, S_FULL, CopyType.SI, "1")
        self.wait()
        self.split()

    def dir(self, vol: VolumeRef) -> Path:
        return self.journaled.data_dir(vol)

    def wait(self) -> None:
        self.journaled.pairevtwait(P, "0", "PAIR", 30)
        self.full.pairevtwait(P, "1", "PAIR", 30)

    def split(self) -> None:
        self.journaled.pairsplit(P, "0", read_write=True)
        self.full.pairsplit(P, "1", read_write=True)

    def resync(self, restore: bool = False) -> None:
        self.journaled.pairresync(P, "0", restore=restore)
        if restore:
            self.journaled.pairevtwait(P, "0", "PAIR", 30)
        self.full.pairresync(P, "1")
        self.wait()

    def check(self) -> None:
        record = self.journaled.pairdisplay(P, "0")
        assert record.comparison == "journal" or "hard link" in record.comparison_note, record
        assert self.full.pairdisplay(P, "1").comparison == "full"
        primary = tree_digest(self.dir(P))
        assert tree_digest(self.dir(S_FULL)) == primary
        assert tree_digest(self.dir(S_JOURNAL)) == primary


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=24))
def test_the_journal_and_the_full_comparison_leave_identical_svols(steps):
    with tempfile.TemporaryDirectory(prefix="drm-resync-") as work:
        arrays = Arrays(Path(work))
        try:
            for change in [*steps, ("sync",)]:
                if change[0] in ("sync", "restore"):
                    arrays.resync(restore=change[0] == "restore")
                    arrays.split()
                    arrays.check()
                elif change[0] == "svol":
                    apply(arrays.dir(S_JOURNAL), change[1])
                    apply(arrays.dir(S_FULL), change[1])
                else:
                    apply(arrays.dir(P), change)
        finally:
            arrays.journaled.wait_idle(30)
            arrays.full.wait_idle(30)


def _same_content(manifest: dict) -> dict:
    return {key: manifest[key] for key in ("files", "dirs", "links", "linked")}


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.one_of(op, st.just(("sync",))), max_size=24))
def test_the_journal_and_the_full_walk_take_the_same_thin_image_snapshot(steps):
    with tempfile.TemporaryDirectory(prefix="drm-snapshot-") as work:
        volume, found = Path(work) / "vol", journal()
        write_tree(volume, {"a": b"alpha", "d/a": os.urandom(5000), "e/b": b"b" * 70000})
        fast_pool, full_pool = ChunkPool(Path(work) / "fast"), ChunkPool(Path(work) / "full")
        position, fast, full = found.position(volume), None, None
        for change in [*steps, ("sync",)]:
            if change[0] != "sync":
                apply(volume, change)
                continue
            after = found.position(volume)
            first = fast is None
            fast = take_snapshot(fast_pool, volume, fast, changes=None if first else found.changes(position),
                                 watch=found.watcher(after))
            full = take_snapshot(full_pool, volume, full)
            assert _same_content(fast) == _same_content(full)
            assert first or fast["comparison"] == "journal" or "hard links" in fast["full_reason"]
            position = after
