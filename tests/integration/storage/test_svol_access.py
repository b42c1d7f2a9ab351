"""Write protection of S-VOLs (read-only mounts) and ``pairsplit -S`` back to SMPL."""
import os

import pytest

from adapters.storage.base import VolumeRef
from adapters.storage.copier import CHUNK
from adapters.storage.errors import CciError
from adapters.storage.pairs import CopyType, PairStatus
from adapters.storage.simulated_array import SimulatedStorage
from tests.unit.storage.trees import assert_same_tree, tree_state, write_tree

SAMPLE = {"docs/readme.txt": b"hello", "data/big.bin": os.urandom(2 * CHUNK + 3)}


def paired(lab2, svol, mu="0", copy_type=CopyType.SI):
    write_tree(lab2.path(lab2.p), SAMPLE)
    lab2.storage.paircreate(lab2.p, svol, copy_type, mu)
    return lab2.storage.pairevtwait(lab2.p, mu, "PAIR", 10)


def test_plain_split_gives_a_read_only_mount_and_refuses_a_writable_one(lab2, tmp_path):
    storage, svol = lab2.storage, lab2.locals[0]
    paired(lab2, svol)
    assert storage.write_protected(svol) and not storage.write_protected(lab2.p)
    storage.pairsplit(lab2.p, "0")
    assert storage.write_protected(svol)
    with pytest.raises(CciError) as error:
        storage.mount(svol, tmp_path / "bk" / "rw", read_only=False)
    assert error.value.code == "EX_INVVOL" and not (tmp_path / "bk" / "rw").exists()
    point = tmp_path / "bk" / "vol"
    assert storage.mount(svol, point) is True
    assert storage.mount_mode(point) == "ro" and storage.mounted_volume(point) == svol
    assert (point / "docs" / "readme.txt").read_bytes() == b"hello"  # the view shows the data
    with pytest.raises(CciError):
        storage.mount(lab2.p, point)  # another volume on a busy mount point


def test_writes_through_a_read_only_mount_never_reach_the_pvol_and_resync_undoes_them(lab2, tmp_path):
    """With no guard (``read_only_guard="none"``) a write gets through to the S-VOL only: the
    unmount reports it, and the next resync overwrites it."""
    storage = SimulatedStorage(lab2.storage.root, read_only_guard="none")
    svol = lab2.locals[0]
    paired(lab2, svol)
    storage.pairsplit(lab2.p, "0")
    before = tree_state(lab2.path(lab2.p))
    point = tmp_path / "vol"
    storage.mount(svol, point)
    (point / "docs" / "readme.txt").write_bytes(b"forbidden write")  # nothing refuses it
    (point / "intruder").write_bytes(b"x")
    assert tree_state(lab2.path(lab2.p)) == before
    changes = storage.unmount(point)
    assert changes.paths == (". (modified)", "docs/readme.txt (modified)", "intruder (added)")
    assert changes.total == 3 and not changes.partial
    storage.pairresync(lab2.p, "0")
    storage.pairevtwait(lab2.p, "0", "PAIR", 10)
    assert_same_tree(lab2.path(lab2.p), lab2.path(svol))


def test_split_rw_allows_a_writable_mount(lab2, tmp_path):
    storage, svol = lab2.storage, lab2.locals[1]
    paired(lab2, svol, mu="1")
    storage.pairsplit(lab2.p, "1", read_write=True)
    assert not storage.write_protected(svol)
    point = tmp_path / "vol"
    assert storage.mount(svol, point) is False and storage.mount_mode(point) == "rw"
    (point / "scratch").write_bytes(b"allowed")
    storage.unmount(point)
    assert storage.mount(svol, point, read_only=True) is True  # read-only on request
    assert storage.mount(svol, point, read_only=False) is False  # same volume: mode switched
    assert storage.mount_mode(point) == "rw"
    storage.pairresync(lab2.p, "1")
    assert storage.write_protected(svol)  # COPY/PAIR: protected again


@pytest.mark.parametrize("state", ["PAIR", "PSUS", "PSUE"])
def test_pairsplit_S_returns_both_volumes_to_smpl_and_keeps_the_data(lab2, state):
    storage, svol = lab2.storage, lab2.locals[0]
    record = paired(lab2, svol)
    if state == "PSUS":
        storage.pairsplit(lab2.p, "0")
    elif state == "PSUE":
        storage.fail(lab2.p, "0")
    assert storage.pairsplit(lab2.p, "0", simplex=True).status is PairStatus.SMPL
    assert storage.pairdisplay(lab2.p, "0") is None and storage.pairdisplay(svol, "0") is None
    assert storage.pairevtwait(svol, "0", "SMPL", 1) is None
    assert not list(storage.pairs_dir.glob(f"{record.pair_id}*"))  # record and baseline gone
    assert not storage.write_protected(svol)
    assert_same_tree(lab2.path(lab2.p), lab2.path(svol))  # the S-VOL keeps its data
    with pytest.raises(CciError) as error:
        storage.pairsplit(lab2.p, "0", simplex=True)
    assert error.value.code == "EX_INVSTP"
    storage.paircreate(lab2.p, svol, CopyType.SI, "0")  # both volumes are free again
    assert storage.pairevtwait(lab2.p, "0", "PAIR", 10).status is PairStatus.PAIR


def test_pairsplit_S_during_copy_stops_the_copy(lab2):
    storage, svol = lab2.storage, lab2.locals[2]
    write_tree(lab2.path(lab2.p), {"big": os.urandom(8 * CHUNK)})
    storage.faults.slow_copy("*", 0.05)
    record = storage.paircreate(lab2.p, svol, CopyType.SI, "2")
    assert storage.pairsplit(lab2.p, "2", simplex=True).status is PairStatus.SMPL
    storage.faults.clear()
    storage.wait_idle(10)
    assert storage.pairdisplay(lab2.p, "2") is None  # the stopped copy did not bring it back
    assert not list(storage.pairs_dir.glob(f"{record.pair_id}*"))


def test_pairsplit_S_of_a_thin_image_pair_drops_its_snapshot(lab2):
    storage, svol = lab2.storage, lab2.locals[0]
    paired(lab2, svol, mu="5", copy_type=CopyType.TI)
    snap = storage.pairsplit(lab2.p, "5").snapshot
    pool = storage.pool(lab2.p.serial)
    assert (pool.manifests / f"{snap}.json").exists()
    storage.pairsplit(lab2.p, "5", simplex=True)
    assert not (pool.manifests / f"{snap}.json").exists()
    assert storage.pairdisplay(lab2.p, "5") is None


def test_unknown_volume_is_refused(lab2, tmp_path):
    with pytest.raises(CciError) as error:
        lab2.storage.mount(VolumeRef(serial="1", ldev=99), tmp_path / "x")
    assert error.value.code == "EX_ENOOBJ"


def test_split_rw_on_a_split_pair_makes_its_svol_writable_without_a_copy(lab2, tmp_path):
    storage, svol = lab2.storage, lab2.locals[0]
    paired(lab2, svol)
    storage.pairsplit(lab2.p, "0")
    assert storage.write_protected(svol)
    record = storage.pairsplit(lab2.p, "0", read_write=True)  # e.g. before a tape restore
    assert record.status is PairStatus.PSUS and record.svol_mode == "rw"
    assert not storage.write_protected(svol)
    assert storage.mount(svol, tmp_path / "vol", read_only=False) is False
    with pytest.raises(CciError):
        storage.pairsplit(lab2.p, "1", read_write=True)  # no pair on MU#1: still refused
