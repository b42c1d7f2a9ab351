"""Helpers to build and compare real directory trees."""
from __future__ import annotations

import os
import stat
from pathlib import Path


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def tree_state(root: Path) -> dict[str, tuple]:
    """Every entry under ``root``: kind, mode and content (or link target)."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                state[rel] = ("l", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                state[rel] = ("d", stat.S_IMODE(st.st_mode))
            else:
                state[rel] = ("f", stat.S_IMODE(st.st_mode), path.read_bytes())
    return state


def assert_same_tree(a: Path, b: Path) -> None:
    left, right = tree_state(a), tree_state(b)
    assert sorted(left) == sorted(right)
    for rel in left:
        assert left[rel] == right[rel], rel


def tree_digest(root: Path) -> dict[str, tuple]:
    """Everything a copy must reproduce, by relative path (``root`` itself excluded): kind,
    mode, owner, group, mtime, SHA-256 of the bytes or the link target, and for a file that
    shares its inode with other paths of the tree the first of those paths."""
    import hashlib

    found: dict[str, tuple] = {}
    inodes: dict[int, list[str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            st = path.lstat()
            common = (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_mtime_ns)
            if stat.S_ISLNK(st.st_mode):
                found[rel] = ("l", os.readlink(path), *common)
            elif stat.S_ISDIR(st.st_mode):
                found[rel] = ("d", *common)
            else:
                inodes.setdefault(st.st_ino, []).append(rel)
                found[rel] = ("f", hashlib.sha256(path.read_bytes()).hexdigest(), *common)
    for paths in inodes.values():
        if len(paths) > 1:
            for rel in paths:
                found[rel] += (min(paths),)
    return found
