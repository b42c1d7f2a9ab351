"""Pair operations on real files: what reaches the S-VOL and the P-VOL, byte for byte."""
import os

import pytest

from adapters.storage.copier import CHUNK
from adapters.storage.errors import CciError
from adapters.storage.pairs import CopyType, PairStatus
from tests.unit.storage.trees import assert_same_tree, tree_state, write_tree

SAMPLE = {"docs/readme.txt": b"hello", "data/big.bin": os.urandom(3 * CHUNK + 17), "empty": b""}


def paired(lab2, svol, copy_type=CopyType.SI, mu="0"):
    write_tree(lab2.path(lab2.p), SAMPLE)
    lab2.storage.paircreate(lab2.p, svol, copy_type, mu)
    return lab2.storage.pairevtwait(lab2.p, mu, "PAIR", 10)


def test_split_freezes_the_svol_and_later_writes_stay_on_the_pvol(lab2):
    svol = lab2.locals[0]
    paired(lab2, svol)
    (lab2.path(lab2.p) / "docs" / "readme.txt").write_bytes(b"written while PAIR")
    record = lab2.storage.pairsplit(lab2.p, "0")
    assert (record.status, record.status_of(svol)) == (PairStatus.PSUS, PairStatus.SSUS)
    assert_same_tree(lab2.path(lab2.p), lab2.path(svol))
    (lab2.path(lab2.p) / "docs" / "readme.txt").write_bytes(b"after split")
    (lab2.path(lab2.p) / "new.txt").write_bytes(b"new")
    assert (lab2.path(svol) / "docs" / "readme.txt").read_bytes() == b"written while PAIR"
    assert not (lab2.path(svol) / "new.txt").exists()


def test_resync_makes_the_svol_equal_the_pvol(lab2):
    svol = lab2.locals[1]
    paired(lab2, svol, mu="1")
    lab2.storage.pairsplit(lab2.p, "1", read_write=True)
    p = lab2.path(lab2.p)
    (p / "empty").unlink()
    (p / "docs" / "more" ).mkdir()
    (p / "docs" / "more" / "x").write_bytes(b"x" * 5000)
    (lab2.path(svol) / "svol-only").write_bytes(b"written on the S-VOL")
    lab2.storage.pairresync(lab2.p, "1")
    lab2.storage.pairevtwait(lab2.p, "1", "PAIR", 10)
    lab2.storage.pairsplit(lab2.p, "1")
    assert_same_tree(p, lab2.path(svol))


def test_restore_resync_makes_the_pvol_equal_the_svol(lab2):
    svol = lab2.locals[2]
    paired(lab2, svol, mu="2")
    lab2.storage.pairsplit(lab2.p, "2")
    backup = tree_state(lab2.path(svol))
    p = lab2.path(lab2.p)
    (p / "docs" / "readme.txt").unlink()
    (p / "created-after-backup").write_bytes(b"should disappear")
    with open(p / "data" / "big.bin", "r+b") as handle:
        handle.seek(CHUNK + 3)
        handle.write(b"corruption")
    record = lab2.storage.pairresync(lab2.p, "2", restore=True)
    assert record.status in (PairStatus.RCPY, PairStatus.PAIR)
    lab2.storage.pairevtwait(lab2.p, "2", "PAIR", 10)
    assert tree_state(p) == backup


def test_truecopy_pair_across_two_arrays(lab2):
    paired(lab2, lab2.remote, CopyType.TC, "")
    lab2.storage.pairsplit(lab2.p, "")
    assert_same_tree(lab2.path(lab2.p), lab2.path(lab2.remote))
    assert lab2.storage.pairdisplay(lab2.remote, "").status_of(lab2.remote) is PairStatus.SSUS


def test_swap_reverses_the_roles(lab2):
    paired(lab2, lab2.remote, CopyType.TC, "")
    lab2.storage.pairsplit(lab2.p, "", read_write=True)
    (lab2.path(lab2.remote) / "written-at-remote").write_bytes(b"r")
    record = lab2.storage.pairresync(lab2.remote, "", swaps=True)
    assert record.pvol == lab2.remote
    lab2.storage.pairevtwait(lab2.remote, "", "PAIR", 10)
    lab2.storage.pairsplit(lab2.remote, "")
    assert (lab2.path(lab2.p) / "written-at-remote").read_bytes() == b"r"


def test_thin_image_snapshot_survives_later_pvol_changes(lab2):
    svol = lab2.locals[0]
    write_tree(lab2.path(lab2.p), SAMPLE)
    assert lab2.storage.paircreate(lab2.p, svol, CopyType.TI, "5").status is PairStatus.PAIR
    lab2.storage.pairsplit(lab2.p, "5")
    before = tree_state(lab2.path(lab2.p))
    (lab2.path(lab2.p) / "docs" / "readme.txt").write_bytes(b"changed")
    (lab2.path(lab2.p) / "data" / "big.bin").unlink()
    assert tree_state(lab2.path(svol)) == before
    lab2.storage.pairresync(lab2.p, "5", restore=True)
    lab2.storage.pairevtwait(lab2.p, "5", "PAIR", 10)
    assert tree_state(lab2.path(lab2.p)) == before


def test_mount_is_a_symlink_any_program_can_use(lab2, tmp_path):
    point = tmp_path / "host" / "mnt" / "fs1"
    lab2.storage.mount(lab2.p, point)
    (point / "via-mount").write_bytes(b"data")
    assert (lab2.path(lab2.p) / "via-mount").read_bytes() == b"data"
    assert lab2.storage.mounted_volume(point) == lab2.p
    lab2.storage.unmount(point)
    assert not point.exists() and (lab2.path(lab2.p) / "via-mount").exists()


def test_refused_operations_change_nothing(lab2):
    svol = lab2.locals[0]
    paired(lab2, svol)
    with pytest.raises(CciError) as error:
        lab2.storage.pairresync(lab2.p, "0", restore=True)
    assert error.value.code == "EX_INVSTP"
    assert lab2.storage.pairdisplay(lab2.p, "0").status is PairStatus.PAIR
    with pytest.raises(CciError) as error:
        lab2.storage.paircreate(lab2.p, lab2.locals[1], CopyType.SI, "0")
    assert lab2.storage.pairdisplay(lab2.locals[1], "0") is None


def test_svol_smaller_than_pvol_is_refused(lab2):
    small = lab2.storage.create_ldev(lab2.locals[0].model_copy(update={"ldev": 9}), 1 << 20)
    assert small.exists()
    with pytest.raises(CciError) as error:
        lab2.storage.paircreate(lab2.p, lab2.locals[0].model_copy(update={"ldev": 9}), CopyType.SI, "0")
    assert error.value.code == "EX_ENQSIZ"


def test_pairevtwait_times_out(lab2):
    paired(lab2, lab2.locals[0])
    with pytest.raises(CciError) as error:
        lab2.storage.pairevtwait(lab2.p, "0", "PSUS", 0.05)
    assert error.value.code == "EX_EWSTOT"
