"""Differential tree copy and the Thin Image chunk pool, on real files."""
import os

from adapters.storage.copier import CHUNK, sync_tree
from adapters.storage.snapshots import ChunkPool, digests, restore_snapshot, take_snapshot
from tests.unit.storage.trees import assert_same_tree, write_tree


def test_copies_a_tree_with_dirs_links_and_modes(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(src, {"a.txt": b"alpha", "d/e/f.bin": os.urandom(3 * CHUNK + 5)})
    (src / "link").symlink_to("a.txt")
    os.chmod(src / "a.txt", 0o600)
    dst.mkdir()
    sync_tree(src, dst)
    assert_same_tree(src, dst)


def test_resync_deletes_creates_and_writes_only_changed_chunks(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    big = os.urandom(8 * CHUNK)
    write_tree(src, {"big": big, "gone.txt": b"x", "dir/keep": b"k"})
    dst.mkdir()
    first = sync_tree(src, dst)
    with open(src / "big", "r+b") as handle:
        handle.seek(3 * CHUNK + 10)
        handle.write(b"changed")
    (src / "gone.txt").unlink()
    (src / "new").write_bytes(b"new file")
    (dst / "dir" / "keep").write_bytes(b"changed on the target")
    stats = sync_tree(src, dst, first.src_baseline, first.dst_baseline)
    assert_same_tree(src, dst)
    assert stats.bytes_written <= CHUNK + 100
    assert stats.entries_deleted == 1


def test_unchanged_files_are_skipped_without_reading(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(src, {f"f{i}": os.urandom(1000) for i in range(20)})
    dst.mkdir()
    first = sync_tree(src, dst)
    again = sync_tree(src, dst, first.src_baseline, first.dst_baseline)
    assert (again.bytes_read, again.files_skipped) == (0, 20)


def test_snapshot_shares_chunks_and_restores_exact_content(tmp_path):
    vol, pool = tmp_path / "vol", ChunkPool(tmp_path / "pool")
    write_tree(vol, {"a": os.urandom(4 * CHUNK), "b/c": b"small"})
    first = take_snapshot(pool, vol)
    before = {p: p.read_bytes() for p in vol.rglob("*") if p.is_file()}
    with open(vol / "a", "r+b") as handle:
        handle.write(b"Z" * 10)
    (vol / "b" / "c").unlink()
    chunks_before = len(list(pool.chunks.rglob("*")))
    second = take_snapshot(pool, vol, first)
    assert len(list(pool.chunks.rglob("*"))) - chunks_before <= 2  # one new chunk (+ maybe a dir)
    assert digests(second["files"]["a"])[1:] == digests(first["files"]["a"])[1:]
    assert digests(second["files"]["a"])[0] != digests(first["files"]["a"])[0]
    restore_snapshot(pool, pool.load(first["id"]), vol)
    assert {p: p.read_bytes() for p in vol.rglob("*") if p.is_file()} == before
