"""The metadata digest of a tree: every kind of change shows, nothing else does."""
from __future__ import annotations

import os

from adapters.storage import tree_digest


def a_tree(root):
    (root / "d").mkdir(parents=True)
    (root / "d" / "f.txt").write_bytes(b"hello")
    (root / "g.bin").write_bytes(b"\x00" * 100)
    os.symlink("d/f.txt", root / "link")
    return root


def test_an_untouched_tree_shows_no_change_even_when_read(tmp_path):
    root = a_tree(tmp_path / "t")
    before = tree_digest.take(root)
    (root / "d" / "f.txt").read_bytes()
    assert not tree_digest.compare(before, tree_digest.take(root))


def test_each_kind_of_change_is_named(tmp_path):
    root = a_tree(tmp_path / "t")
    before = tree_digest.take(root)
    (root / "g.bin").unlink()
    (root / "new").write_bytes(b"x")
    os.chmod(root / "d" / "f.txt", 0o600)
    changes = tree_digest.compare(before, tree_digest.take(root))
    assert changes.paths == (". (modified)", "d/f.txt (modified)", "g.bin (removed)",
                             "new (added)")
    assert changes.total == 4


def test_a_same_size_rewrite_with_its_mtime_put_back_still_shows(tmp_path):
    root = a_tree(tmp_path / "t")
    before = tree_digest.take(root)
    kept = (root / "d" / "f.txt").stat()
    (root / "d" / "f.txt").write_bytes(b"HELLO")
    os.utime(root / "d" / "f.txt", ns=(kept.st_atime_ns, kept.st_mtime_ns))
    assert tree_digest.compare(before, tree_digest.take(root)).paths == ("d/f.txt (modified)",)


def test_a_digest_stops_at_its_limit_and_says_so(tmp_path):
    root = tmp_path / "t"
    root.mkdir()
    for n in range(10):
        (root / f"f{n}").write_bytes(b"x")
    digest = tree_digest.take(root, limit=5)
    assert digest.partial and len(digest.entries) == 5
    assert tree_digest.Digest.from_json(digest.to_json()) == digest
    assert tree_digest.compare(digest, tree_digest.take(root, limit=5)).partial


def test_the_report_names_at_most_its_limit_and_counts_every_change(tmp_path):
    root = tmp_path / "t"
    root.mkdir()
    before = tree_digest.take(root)
    for n in range(tree_digest.MAX_REPORTED + 20):
        (root / f"f{n:04d}").write_bytes(b"x")
    changes = tree_digest.compare(before, tree_digest.take(root))
    assert len(changes.paths) == tree_digest.MAX_REPORTED
    assert changes.total == tree_digest.MAX_REPORTED + 21  # and the root directory
