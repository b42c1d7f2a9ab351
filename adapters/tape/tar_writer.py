"""Writing one tree as one tape archive (``adapters.tape.tar_format``) in a single pass.

Each file is read once: a small one (``SMALL`` bytes or less) straight into the output buffer
behind its header, and hashed there (the buffer goes out in ``FLUSH``-sized writes and is
reused); a large one is mapped, its BLAKE3 hash computed by a helper thread from the mapping
while the kernel copies the same pages onto the medium (``copy_file_range``; both release the
GIL, so hashing and writing overlap on two cores). The data reach the disk while the stream
goes on (``adapters.tape.write_behind``), so the caller's ``fsync`` has little left to write.
The writer does not wait for a hash before the next file (the helper works through a queue of
at most ``PENDING`` mappings, so it seldom has to be woken); the hashes are collected for the
manifest at the end. The tree is scanned first (its total size drives the progress
reports), in name order, without following symbolic links; a file whose size changed since the
scan, or a special file (device, FIFO, socket), is refused with a ``TapeError``.
"""
from __future__ import annotations

import mmap
import os
import stat
from collections import deque
from contextlib import nullcontext
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import blake3

from adapters.tape.base import TapeError
from adapters.tape.tar_format import (BLOCK, ZEROS, end_of_archive, header, manifest_member,
                                      padding)
from adapters.tape.write_behind import WriteBehind

SMALL = 1 << 20
FLUSH = 4 << 20
PENDING = 64  # large files mapped and not yet hashed, at most
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Member:
    rel: str
    kind: str
    st: os.stat_result
    link: str = ""


@dataclass(frozen=True, slots=True)
class WriteStats:
    files: int
    bytes: int  # file data
    medium_bytes: int  # the whole medium, headers and manifest included
    manifest_hash: str  # BLAKE3 of the manifest's bytes


def scan(root: Path) -> list[Member]:
    """Every member of the tree under ``root`` in archive order (the root first)."""
    try:
        top = os.lstat(root)
    except OSError as error:
        raise TapeError(f"cannot read the source {root}: {error.strerror}") from error
    if not stat.S_ISDIR(top.st_mode):
        raise TapeError(f"the source {root} is not a directory")
    members = [Member("", "d", top)]
    first: dict[tuple[int, int], str] = {}
    _scan_dir(os.fspath(root), "", members, first)
    return members


def _scan_dir(path: str, prefix: str, members: list[Member], first: dict) -> None:
    with os.scandir(path) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        rel = prefix + entry.name
        st = entry.stat(follow_symlinks=False)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            members.append(Member(rel, "d", st))
            _scan_dir(entry.path, rel + "/", members, first)
        elif stat.S_ISREG(mode):
            key = (st.st_dev, st.st_ino)
            if st.st_nlink > 1 and key in first:
                members.append(Member(rel, "h", st, first[key]))
            else:
                first[key] = rel
                members.append(Member(rel, "f", st))
        elif stat.S_ISLNK(mode):
            members.append(Member(rel, "l", st, os.readlink(entry.path)))
        else:
            raise TapeError(f"{rel} is a special file (device, FIFO or socket): not archived")


def _digest(buffer) -> str:
    return blake3.blake3(buffer).hexdigest()


class _Out:
    """The medium's output: headers and small files are gathered in one buffer, reused, and
    written in ``FLUSH``-sized pieces (a small file is read straight into it: no copy of its
    bytes in Python); large files go straight from file to medium (``copy_from``). With
    ``behind`` (``adapters.tape.write_behind``), the write-back of what is written starts at
    once, so the caller's final ``fsync`` only waits for the tail."""

    def __init__(self, fd: int, behind: WriteBehind | None = None) -> None:
        self.fd, self.written, self.behind = fd, 0, behind
        self.buffer = bytearray(FLUSH + SMALL + BLOCK)
        self.view, self.used = memoryview(self.buffer), 0

    def _wrote(self, size: int) -> None:
        self.written += size
        if self.behind is not None:
            self.behind.advance(self.written)

    @property
    def position(self) -> int:
        """Bytes of the medium so far, gathered ones included."""
        return self.written + self.used

    def add(self, data) -> None:
        if self.used + len(data) > len(self.buffer):
            self.flush()
            if len(data) > len(self.buffer):
                self._write(memoryview(data))
                return
        self.view[self.used:self.used + len(data)] = data
        self.used += len(data)
        if self.used >= FLUSH:
            self.flush()

    def read_small(self, fd: int, size: int, name: str) -> memoryview:
        """The ``size`` bytes of ``fd`` (``size <= SMALL``), read into the buffer and padded to
        the block; the returned view is valid until the next call on this output."""
        if self.used + size + BLOCK > len(self.buffer):
            self.flush()
        start = end = self.used
        while end < start + size:
            got = os.readv(fd, [self.view[end:start + size]])
            if not got:
                raise TapeError(f"{name} changed while it was written to tape")
            end += got
        if os.read(fd, 1):
            raise TapeError(f"{name} changed while it was written to tape")
        pad = padding(size)
        self.view[end:end + pad] = ZEROS[:pad]
        self.used = end + pad
        data = self.view[start:end]
        if self.used >= FLUSH:
            self.flush()
        return data

    def flush(self) -> None:
        self._write(self.view[:self.used])
        self.used = 0

    def _write(self, view: memoryview) -> None:
        size = len(view)
        while view:
            view = view[os.write(self.fd, view):]
        self._wrote(size)

    def copy_from(self, fd: int, size: int) -> None:
        """``size`` bytes of ``fd`` (from its start) after whatever is queued."""
        self.flush()
        done = 0
        while done < size:
            try:
                n = os.copy_file_range(fd, self.fd, size - done)
            except OSError:  # no in-kernel copy here: through user space
                data = os.pread(fd, min(FLUSH, size - done), done)
                n = os.write(self.fd, data)
                os.lseek(fd, done + n, os.SEEK_SET)
            if n == 0:
                raise TapeError("a file shrank while it was written to tape")
            done += n
        self._wrote(size)


def write_archive(source: Path, fd: int, label: str, progress: Progress | None = None,
                  mtime: int = 0, sync_early: bool = True) -> WriteStats:
    """Write the archive of ``source`` on ``fd`` (a new, empty medium file); with
    ``sync_early``, its data is pushed to disk while it is written (the caller still fsyncs)."""
    members = scan(Path(source))
    total = sum(m.st.st_size for m in members if m.kind == "f")
    listed, done, pending = [], 0, deque()
    with ThreadPoolExecutor(1, thread_name_prefix="tape-hash") as hasher, \
            (WriteBehind(fd) if sync_early else nullcontext()) as behind:
        out = _Out(fd, behind)
        for member in members:
            if member.kind == "f":
                digest = _write_file(out, os.path.join(source, member.rel), member, hasher)
                listed.append([member.rel, "f", member.st.st_size, digest])
                if not isinstance(digest, str):
                    pending.append(digest)
                    if len(pending) > PENDING:
                        pending.popleft().result()
                done += member.st.st_size
                if progress is not None:
                    progress(done, total)
            else:
                out.add(header(member.rel, member.kind, member.st, link=member.link))
                listed.append([member.rel, member.kind, 0, member.link])
        for entry in listed:  # the hashes of large files, computed meanwhile
            if not isinstance(entry[3], str):
                entry[3] = entry[3].result()
        member, manifest_hash = manifest_member(label, listed, mtime)
        out.add(member)
        out.add(end_of_archive(out.position))
        out.flush()
    return WriteStats(sum(m.kind == "f" for m in members), total, out.written, manifest_hash)


def _hash_and_unmap(mapped: mmap.mmap) -> str:
    try:
        return _digest(mapped)
    finally:
        mapped.close()


def _write_file(out: _Out, path: str, member: Member, hasher: ThreadPoolExecutor):
    """Write one file's member; its hash, or for a large file the future of its hash."""
    size = member.st.st_size
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        raise TapeError(f"cannot read {member.rel}: {error.strerror}") from error
    try:
        if os.fstat(fd).st_size != size:
            raise TapeError(f"{member.rel} changed while it was written to tape")
        out.add(header(member.rel, "f", member.st, size=size))
        if size <= SMALL:
            return _digest(out.read_small(fd, size, member.rel))
        hashing = hasher.submit(_hash_and_unmap, mmap.mmap(fd, size, prot=mmap.PROT_READ))
        out.copy_from(fd, size)
        out.add(ZEROS[:padding(size)])
        return hashing
    finally:
        os.close(fd)
