"""The array's differential bitmap: which paths of a volume changed since a given moment.

Writes reach a simulated volume as plain file I/O through its mount link, which the array
cannot intercept, so the journal asks the kernel: one ``inotify`` instance per process watches
every directory of every volume it follows, and a daemon thread folds the events into a map
``relative path -> (seq, tree)`` per volume. ``position(root)`` drains the queue first (an
event is queued by the system call that caused it, so every write that returned before the call
is in), then returns the current seq; ``changes(since)`` lists the paths marked after it.

What the journal vouches for, and when it does not (``changes`` returns a ``Gap``):
- only the period it watched, in this process: a position of another process (or of a
  journal that was restarted) is refused, as is a volume whose root was removed or moved;
- nothing once the kernel's queue overflowed or a watch could not be added (the inotify
  limits): positions before that moment are refused; when more than ``MAX_MARKS`` paths are
  marked the oldest half is forgotten, and positions before them are refused;
- writes through a shared ``mmap`` and writes through a hard link that lies outside the
  volume do not reach a directory watch; the copy path re-checks every multiply-linked file
  and gives up on links it cannot see (``copier_partial``); shared mmap writes stay a limit.

A path is marked as an entry (compare it, its parent too) or as a tree (compare everything
under it: a directory created, moved in or out, removed, or a watch added late).
"""
from __future__ import annotations

import ctypes
import errno
import os
import select
import struct
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

IN_MODIFY, IN_ATTRIB, IN_MOVED_FROM, IN_MOVED_TO = 0x2, 0x4, 0x40, 0x80
IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_MOVE_SELF = 0x100, 0x200, 0x400, 0x800
IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED, IN_ISDIR = 0x2000, 0x4000, 0x8000, 0x40000000
IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK = 0x1000000, 0x2000000, 0x4000000
IN_NONBLOCK, IN_CLOEXEC = 0o4000, 0o2000000
WATCHED = (IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
           | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
MAX_MARKS = 500_000  # paths remembered per volume; beyond, the older half is forgotten
_EVENT = struct.Struct("iIII")
_LIBC = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Position:
    """A moment in one process's journal of one volume (never persisted: it means nothing to
    another process)."""

    journal: str
    volume: tuple[int, int]  # (st_dev, st_ino) of the volume's root directory
    seq: int


@dataclass(frozen=True)
class Gap:
    """Why the journal cannot vouch for a period: the caller must compare everything."""

    reason: str


Changes = dict[str, bool]  # relative path -> the whole tree under it


@dataclass
class _Volume:
    root: Path
    key: tuple[int, int]
    marks: dict[str, tuple[int, bool]] = field(default_factory=dict)
    lost_at: int = -1  # positions at or before this seq cannot be vouched for
    lost_reason: str = "the volume was removed or replaced since the last copy"
    gone: bool = False  # no longer (fully) watched: the next ``position`` follows it afresh


class ChangeJournal:
    """One process's journal of the volumes it follows (use ``journal()``, one per process)."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex
        self.pid = os.getpid()
        self.seq = 0
        self.lock = threading.RLock()
        self.volumes: dict[tuple[int, int], _Volume] = {}
        self.wds: dict[int, tuple[_Volume, str | None]] = {}  # wd -> volume, dir (None: moved away)
        self.fd = _LIBC.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        threading.Thread(target=self._pump, name="change-journal", daemon=True).start()

    # -- the public side -----------------------------------------------------------------------
    def position(self, root: Path) -> Position | None:
        """The current position of ``root`` (followed from now on), or None when it cannot be."""
        try:
            st = os.stat(root)
        except OSError:
            return None
        key = (st.st_dev, st.st_ino)
        with self.lock:
            self._drain()
            volume = self.volumes.get(key)
            if volume is None or volume.gone:
                self.seq += 1
                volume = _Volume(Path(root), key, lost_at=self.seq)  # nothing before it
                self.volumes[key] = volume
            self.seq += 1
            return Position(self.id, key, self.seq)

    def watcher(self, position: Position) -> Callable[[str], None]:
        """The hook a full walk calls with each directory (relative path) *before* listing it.

        A new volume is not walked by the journal: the full comparison that must follow a new
        position walks it anyway, and a directory watched before it is listed is covered twice
        over (what changed before the listing is seen by the walk, what changed after it by the
        journal). Every full walk calls the hook, so no walk lists a directory nobody watches.
        """
        def watch(rel: str) -> None:
            with self.lock:
                volume = self.volumes.get(position.volume)
                if volume is not None and not volume.gone:
                    self._watch_dir(volume, rel)

        return watch

    def changes(self, since: Position | None) -> Changes | Gap:
        """Every path of the volume marked after ``since``, or the ``Gap`` that prevents it."""
        if since is None:
            return Gap("no journal covers the period since the last copy (first copy by this "
                       "process or the agent restarted)")
        if since.journal != self.id:
            return Gap("the journal of that period belongs to another process")
        with self.lock:
            self._drain()
            volume = self.volumes.get(since.volume)
            if volume is None:
                return Gap("the volume was removed or replaced since the last copy")
            if volume.gone or volume.lost_at >= since.seq:
                return Gap(volume.lost_reason)
            found: Changes = {}
            for rel, (seq, tree) in reversed(volume.marks.items()):  # newest first
                if seq <= since.seq:
                    break
                found[rel] = tree
            return found

    # -- watching --------------------------------------------------------------------------------
    def _watch_dir(self, volume: _Volume, rel: str) -> bool:
        """Watch one directory of ``volume``; False when it is gone (or cannot be watched)."""
        path = volume.root / rel if rel else volume.root
        wd = _LIBC.inotify_add_watch(self.fd, os.fsencode(path), WATCHED)
        if wd < 0:
            code = ctypes.get_errno()
            if code not in (errno.ENOENT, errno.ENOTDIR):  # removed meanwhile: reported anyway
                self._lose(volume, f"the journal cannot watch the volume ({os.strerror(code)})")
                volume.gone = True
            return False
        self.wds[wd] = (volume, rel)
        return True

    def _watch_tree(self, volume: _Volume, rel: str) -> None:
        """Watch ``rel`` and every directory under it (each before listing it, so nothing
        created meanwhile is missed: either listed or reported)."""
        stack = [rel]
        while stack and not volume.gone:
            here = stack.pop()
            if not self._watch_dir(volume, here):
                continue
            try:
                with os.scandir(volume.root / here if here else volume.root) as items:
                    for item in items:
                        if item.is_dir(follow_symlinks=False):
                            stack.append(f"{here}/{item.name}" if here else item.name)
            except (FileNotFoundError, NotADirectoryError):
                continue

    def _lose(self, volume: _Volume, reason: str) -> None:
        self.seq += 1
        volume.lost_at, volume.lost_reason = self.seq, reason
        volume.marks.clear()

    def _mark(self, volume: _Volume, rel: str, tree: bool) -> None:
        """Mark ``rel`` changed now; the map stays in mark order (a path marked again moves to
        the end), so ``changes`` reads only the marks after its position."""
        old = volume.marks.pop(rel, None)
        volume.marks[rel] = (self.seq, tree or (old is not None and old[1]))
        if len(volume.marks) > MAX_MARKS:  # forget the older half; positions before it fall back
            items = list(volume.marks.items())
            cut = len(items) - MAX_MARKS // 2
            volume.marks = dict(items[cut:])
            volume.lost_at = max(volume.lost_at, items[cut - 1][1][0])
            volume.lost_reason = (f"the journal forgot the oldest changes (more than {MAX_MARKS} "
                                  "paths changed since the last copy)")

    # -- events ----------------------------------------------------------------------------------
    def _pump(self) -> None:
        while True:
            select.select([self.fd], [], [], 1.0)
            with self.lock:
                self._drain()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            self.seq += 1
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                name = data[offset + 16:offset + 16 + length].rstrip(b"\0")
                offset += 16 + length
                self._event(wd, mask, os.fsdecode(name))

    def _event(self, wd: int, mask: int, name: str) -> None:
        if mask & IN_Q_OVERFLOW:
            for volume in self.volumes.values():
                self._lose(volume, "the journal overflowed (the kernel dropped events)")
            return
        volume, here = self.wds.get(wd, (None, None))
        if mask & IN_IGNORED:
            self.wds.pop(wd, None)
            return
        if volume is None or here is None or volume.gone:
            return  # a directory moved out of its volume, a watch dropped, a volume given up
        if mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT):
            if here == "":  # the volume itself went away
                volume.gone = True
                self._lose(volume, "the volume was removed or replaced since the last copy")
            return
        if not name:  # an event on the watched directory itself (its attributes)
            self._mark(volume, here, False)
            return
        rel = f"{here}/{name}" if here else name
        is_dir = bool(mask & IN_ISDIR)
        if here:
            if mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO):
                self._mark(volume, here, False)  # its entries, so its mtime, changed
        if mask & IN_MOVED_FROM and is_dir:
            prefix = rel + "/"
            for other, (vol, path) in list(self.wds.items()):
                if vol is volume and path is not None and (path == rel or path.startswith(prefix)):
                    self.wds[other] = (vol, None)  # until (if ever) it shows up again
        if is_dir and mask & (IN_CREATE | IN_MOVED_TO):
            self._watch_tree(volume, rel)
        self._mark(volume, rel, is_dir and bool(mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM
                                                         | IN_DELETE)))


_JOURNAL: list[ChangeJournal] = []
_JOURNAL_LOCK = threading.Lock()


def journal() -> ChangeJournal | None:
    """The journal of this process (started on first use), or None where inotify is missing."""
    with _JOURNAL_LOCK:
        if not _JOURNAL or _JOURNAL[0].pid != os.getpid():
            try:
                instance = ChangeJournal()
            except (OSError, AttributeError):
                return None
            _JOURNAL[:] = [instance]
        return _JOURNAL[0]
