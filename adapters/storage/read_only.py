"""Read-only mounts that refuse writes, and the digest that finds a change anyway.

A read-only mount of an S-VOL is a link to the volume's read-only view ``<serial>/ro/<ldev>``
(``adapters.storage.volumes``). What makes that view refuse writes depends on what the process
may do; ``ReadOnlyGuards`` picks the strongest guard available when the first read-only mount
of a volume is made, and undoes it when the last one goes:

- ``bind``: the LDEV's directory is bind-mounted read-only on the view (``mount(2)`` with
  ``MS_BIND`` then ``MS_REMOUNT|MS_RDONLY``; needs CAP_SYS_ADMIN, e.g. root outside an
  unprivileged container). The kernel refuses every write through the mount point with EROFS,
  whoever writes, root included. The array itself still writes the LDEV's own directory (a
  resync), as a real array writes an S-VOL whatever a host has mounted.
- ``modes``: where the process may not mount, the view is a symbolic link to the LDEV's
  directory and every write bit in that tree is removed; the exact modes are saved first and put
  back when the last read-only mount goes. Refuses the writes of every user without
  CAP_DAC_OVERRIDE, the agent's own user included when it is not root. Root ignores mode bits,
  and nothing else on an ordinary host refuses root's writes without a privilege that root in a
  default container lacks too (``chattr +i`` needs CAP_LINUX_IMMUTABLE and a file system that
  supports it; FUSE needs a setuid helper and /dev/fuse). Such a mount is reported
  ``enforced=False``: the digest is then what protects the backup.
- ``none``: only the digest (``DRM_READ_ONLY_GUARD=none``).

Whatever the guard, a digest of the tree (``tree_digest``) is taken once the guard is in place
and compared when the last read-only mount goes: ``release`` returns the changes, so that
``drmumount`` can report any write that got through (or that the array made meanwhile).

State per volume, beside its view (``ReadOnlyGuards``): the guard, the saved modes and the
digest, each written before the change it describes, under a flock, so a crash at any point
leaves a state the next mount or unmount finishes from.
"""
from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from adapters.storage import tree_digest
from adapters.storage.kernel_mounts import (CAP_DAC_OVERRIDE, bind_read_only, has_capability,
                                            unbind)
from adapters.storage.metadata import file_lock, read_json, write_json_atomic
from adapters.storage.tree_digest import Changes, Digest

GUARDS = ("auto", "bind", "modes", "none")
WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


@dataclass(frozen=True)
class GuardInfo:
    """How a volume's read-only view refuses writes: ``guard`` (bind|modes|none) and whether
    that refuses this process's own user (``enforced``); ``entries`` digested."""

    guard: str
    enforced: bool
    entries: int
    partial: bool = False


# -- modes ----------------------------------------------------------------------------------------
def _walk(root: Path):
    """``(relative path, path, lstat)`` of ``root`` and everything below it."""
    yield ".", root, os.lstat(root)
    pending = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as listing:
            for item in listing:
                info = item.stat(follow_symlinks=False)
                yield f"{prefix}{item.name}", Path(item.path), info
                if stat.S_ISDIR(info.st_mode):
                    pending.append((Path(item.path), f"{prefix}{item.name}/"))


def saved_modes(root: Path) -> dict[str, int]:
    return {rel: stat.S_IMODE(info.st_mode) for rel, _, info in _walk(root)
            if not stat.S_ISLNK(info.st_mode)}


def strip_write_bits(root: Path, modes: dict[str, int]) -> None:
    """Remove the write bits of the entries ``modes`` (from ``saved_modes``) lists."""
    for rel, mode in modes.items():
        if mode & WRITE_BITS:
            try:
                os.chmod(root if rel == "." else root / rel, mode & ~WRITE_BITS)
            except FileNotFoundError:
                pass


def restore_modes(root: Path, modes: dict[str, int]) -> None:
    """Put back the saved modes (parents after children do not matter: chmod needs no write
    permission on the parent). Entries created or removed meanwhile are left as they are."""
    for rel, mode in modes.items():
        path = root if rel == "." else root / rel
        try:
            if not path.is_symlink():
                os.chmod(path, mode)
        except FileNotFoundError:
            pass


# -- the guards ----------------------------------------------------------------------------------
def _write_big(path: Path, data) -> None:
    """A large JSON document (digest, modes), atomically (fsync'ed: a crash keeps either)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps(data))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_big(path: Path):
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None


class ReadOnlyGuards:
    """The read-only views of the volumes under one arrays root (see the module docstring).

    Per view ``<serial>/ro/<ldev>``, beside it: ``.<ldev>.guard.json`` (guard, enforced, mount
    points, entries digested), ``.<ldev>.modes.json`` (the saved modes, ``modes`` guard) and
    ``.<ldev>.digest.json``; ``.<ldev>.guard.lock`` serialises mounts and unmounts."""

    def __init__(self, choice: str = "auto") -> None:
        if choice not in GUARDS:
            raise ValueError(f"read-only guard {choice!r}: use one of {', '.join(GUARDS)}")
        self.choice = choice

    @staticmethod
    def _file(view: Path, kind: str) -> Path:
        return view.with_name(f".{view.name}.{kind}")

    def info(self, view: Path) -> GuardInfo | None:
        state = read_json(self._file(view, "guard.json"))
        if not state or not state.get("mount_points"):
            return None
        return GuardInfo(state["guard"], state["enforced"], state.get("entries", 0),
                         bool(state.get("partial")))

    def protect(self, data_dir: Path, view: Path, mount_point: Path) -> GuardInfo:
        """Make ``view`` show ``data_dir`` and refuse writes (the first read-only mount of the
        volume chooses the guard and takes the digest); ``mount_point`` is counted in."""
        state_file = self._file(view, "guard.json")
        with file_lock(self._file(view, "guard.lock")):
            state = read_json(state_file) or {}
            points = _live(state.get("mount_points", []), view)
            if points:
                if str(mount_point) not in points:
                    state["mount_points"] = points + [str(mount_point)]
                    write_json_atomic(state_file, state)
                return self.info(view)
            self._finish(data_dir, view)  # a crash left a guard without mounts
            state = self._set_up(data_dir, view)
            digest = tree_digest.take(data_dir)
            _write_big(self._file(view, "digest.json"), digest.to_json())
            state.update(mount_points=[str(mount_point)], entries=len(digest.entries),
                         partial=digest.partial)
            write_json_atomic(state_file, state)
            return GuardInfo(state["guard"], state["enforced"], len(digest.entries),
                             digest.partial)

    def release(self, data_dir: Path, view: Path, mount_point: Path) -> Changes | None:
        """Count ``mount_point`` out; when it was the last, compare the digest, undo the
        guard and return the changes (None while other read-only mounts remain)."""
        state_file = self._file(view, "guard.json")
        with file_lock(self._file(view, "guard.lock")):
            state = read_json(state_file) or {}
            points = [p for p in _live(state.get("mount_points", []), view)
                      if p != str(mount_point)]
            if points:
                state["mount_points"] = points
                write_json_atomic(state_file, state)
                return None
            changes = Changes()
            before = _read_big(self._file(view, "digest.json"))
            if before is not None and data_dir.is_dir():
                changes = tree_digest.compare(Digest.from_json(before),
                                              tree_digest.take(data_dir))
            self._finish(data_dir, view)
            return changes

    def _set_up(self, data_dir: Path, view: Path) -> dict:
        """Put the guard in place; its state (written before each step it describes)."""
        view.parent.mkdir(parents=True, exist_ok=True)
        state_file = self._file(view, "guard.json")
        if self.choice in ("auto", "bind"):
            _make_dir(view)
            state = {"guard": "bind", "enforced": True}
            write_json_atomic(state_file, state)
            try:
                bind_read_only(data_dir, view)
                return state
            except OSError:
                if self.choice == "bind":
                    os.rmdir(view)
                    state_file.unlink(missing_ok=True)
                    raise
        _make_link(view, data_dir)
        if self.choice == "none":
            state = {"guard": "none", "enforced": False}
            write_json_atomic(state_file, state)
            return state
        state = {"guard": "modes", "enforced": not has_capability(CAP_DAC_OVERRIDE)}
        modes = saved_modes(data_dir)
        _write_big(self._file(view, "modes.json"), modes)
        write_json_atomic(state_file, state)
        strip_write_bits(data_dir, modes)
        return state

    def _finish(self, data_dir: Path, view: Path) -> None:
        """Undo whatever guard the files beside ``view`` describe, and forget it."""
        if view.is_dir() and not view.is_symlink():
            unbind(view)
        modes_file = self._file(view, "modes.json")
        modes = _read_big(modes_file)
        if modes and data_dir.is_dir():
            restore_modes(data_dir, modes)
        for kind in ("guard.json", "digest.json"):
            self._file(view, kind).unlink(missing_ok=True)
        modes_file.unlink(missing_ok=True)


def _live(points: list[str], view: Path) -> list[str]:
    """The mount points that still link to ``view`` (a link removed by hand, or by a crash
    between its removal and the state's update, no longer counts)."""
    return [p for p in points if os.path.islink(p) and Path(os.readlink(p)) == view]


def _make_dir(view: Path) -> None:
    if view.is_symlink():
        view.unlink()
    view.mkdir(exist_ok=True)


def _make_link(view: Path, data_dir: Path) -> None:
    if view.is_dir() and not view.is_symlink():
        unbind(view)
        view.rmdir()
    if not view.is_symlink():
        tmp = view.with_name(f".{view.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(data_dir, view.parent), tmp, target_is_directory=True)
        os.replace(tmp, view)
