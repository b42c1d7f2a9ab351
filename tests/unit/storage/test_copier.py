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
    # gone.txt is deleted, or renamed to "new" when the file system gave "new" its inode
    assert stats.entries_deleted + stats.renamed == 1


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


def test_many_new_files_are_copied_in_parallel_exactly(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(src, {f"d{i % 3}/f{i}": os.urandom(i * 5000 + 1) for i in range(40)})
    dst.mkdir()
    stats = sync_tree(src, dst, workers=4)
    assert_same_tree(src, dst)
    assert stats.files_copied == 40 and stats.bytes_written == stats.bytes_total


def test_a_progress_error_stops_every_worker_and_a_rerun_finishes_the_copy(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(src, {f"f{i}": os.urandom(CHUNK + i) for i in range(24)})
    dst.mkdir()
    seen = []

    def progress(done, total):
        seen.append(done)
        if done > 6 * CHUNK:
            raise RuntimeError("stop here")

    try:
        sync_tree(src, dst, progress=progress, workers=4)
    except RuntimeError as error:
        assert str(error) == "stop here"
    else:
        raise AssertionError("the progress error was swallowed")
    assert max(seen) < 12 * CHUNK  # the other workers stopped too
    stats = sync_tree(src, dst)  # idempotent: resuming gives the exact tree
    assert_same_tree(src, dst)
    assert stats.files_copied <= 24


def test_copy_without_copy_file_range_falls_back_to_user_space(tmp_path, monkeypatch):
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(src, {"a": os.urandom(2 * CHUNK + 7), "b": b""})
    dst.mkdir()

    def unsupported(*args):
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "copy_file_range", unsupported)
    sync_tree(src, dst)
    assert_same_tree(src, dst)


def test_files_the_live_source_deletes_during_the_copy_are_left_out_and_the_next_sync_agrees(tmp_path):
    """A database's checkpoint unlinks dropped tables while a copy runs: listed, then gone."""
    from adapters.storage.copier import scan, sync_entries
    src, dst = tmp_path / "src", tmp_path / "dst"
    many = {f"new/{i:03}": os.urandom(100 + i) for i in range(20)}  # enough for the thread pool
    write_tree(src, {"kept": b"k" * 10, "old": os.urandom(2 * CHUNK)})
    dst.mkdir()
    first = sync_tree(src, dst)
    write_tree(src, {"old": os.urandom(2 * CHUNK), "fresh": b"f" * 50, **many})
    src_entries, dst_entries = scan(src), scan(dst)
    for rel in ("old", "fresh", "new/007"):  # listed, then deleted before they are read
        (src / rel).unlink()
    stats = sync_entries(src, dst, src_entries, dst_entries, first.src_baseline,
                         first.dst_baseline)
    assert stats.vanished == {"old", "fresh", "new/007"}
    assert not {"old", "fresh", "new/007"} & set(stats.src_baseline)
    assert_same_tree(src, dst)  # the copy is the source after the deletions
    again = sync_tree(src, dst, stats.src_baseline, stats.dst_baseline)
    assert again.bytes_written == 0 and again.vanished == set()
    assert_same_tree(src, dst)


def _renamed_tree(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    write_tree(src, {f"wal/{i:024X}": os.urandom(2 * CHUNK) for i in range(4)} | {"other/x": b"x"})
    dst.mkdir()
    return src, dst, sync_tree(src, dst)


def test_a_renamed_file_is_renamed_on_the_copy_and_only_its_rewritten_chunks_are_written(tmp_path):
    """WAL recycling: an old segment becomes a future one, then is partly written over."""
    src, dst, first = _renamed_tree(tmp_path)
    os.rename(src / "wal/000000000000000000000000", src / "wal/000000000000000000000010")
    os.rename(src / "wal/000000000000000000000001", src / "wal/000000000000000000000011")
    with open(src / "wal/000000000000000000000011", "r+b") as handle:
        handle.write(b"new records")
    stats = sync_tree(src, dst, first.src_baseline, first.dst_baseline)
    assert_same_tree(src, dst)
    assert stats.renamed == 2 and stats.entries_deleted == 0
    assert stats.bytes_written == CHUNK  # one chunk of one file, not two whole files


def test_renames_are_not_followed_across_directories_or_onto_a_changed_copy(tmp_path):
    src, dst, first = _renamed_tree(tmp_path)
    os.rename(src / "wal/000000000000000000000000", src / "other/moved")
    os.rename(src / "wal/000000000000000000000001", src / "wal/000000000000000000000021")
    (dst / "wal/000000000000000000000001").write_bytes(b"changed on the copy")
    stats = sync_tree(src, dst, first.src_baseline, first.dst_baseline)
    assert_same_tree(src, dst)
    assert stats.renamed == 0 and stats.entries_deleted == 2
    assert stats.bytes_written == 4 * CHUNK


def test_a_rename_onto_a_path_the_copy_still_has_is_copied_over_it(tmp_path):
    """The source renamed a file over another (the old target is gone from the source)."""
    src, dst, first = _renamed_tree(tmp_path)
    os.rename(src / "wal/000000000000000000000000", src / "wal/000000000000000000000003")
    stats = sync_tree(src, dst, first.src_baseline, first.dst_baseline)
    assert_same_tree(src, dst)
    assert stats.bytes_written <= 2 * CHUNK
