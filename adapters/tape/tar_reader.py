"""Reading one tape archive (``adapters.tape.tar_format``) back onto a tree, checking it.

Before the target is touched, the manifest is found at the end of the medium
(``locate_manifest``): a medium without its end blocks or manifest is truncated and refused,
the target left as it was. Then the target is emptied and the members are streamed in order
from a read-only mapping of the medium: each must be the manifest's next entry (name, kind,
size, link target); each file's BLAKE3 hash is computed by a helper thread from the mapping
while the kernel copies the same bytes (checked a few files later, at the latest at the end),
and must equal the manifest's; anything else stops the read
with ``DamagedMedium`` naming the member. Members are created without following any link: a
member's parent must be a directory this read created. Owners (when running as root), modes
and mtimes are set as recorded, directories' last.
"""
from __future__ import annotations

import mmap
import os
import shutil
import tarfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import blake3

from adapters.tape.tar_format import (BLOCK, MANIFEST_MAX, MANIFEST_NAME, RECORD,
                                      DamagedMedium, Manifest, ManifestEntry, check_name,
                                      padding, parse_manifest)

SMALL = 1 << 20
PENDING = 64  # large files copied whose hash is not yet checked, at most
Progress = Callable[[int, int], None]
_MAGIC = b"ustar\x0000"
_ZERO_BLOCK = bytes(BLOCK)
_TYPES = {tarfile.DIRTYPE: "d", tarfile.REGTYPE: "f", tarfile.AREGTYPE: "f",
          tarfile.SYMTYPE: "l", tarfile.LNKTYPE: "h"}


@dataclass(frozen=True, slots=True)
class Member:
    name: str  # as in the manifest ("" for the root)
    kind: str
    mode: int
    uid: int
    gid: int
    size: int
    mtime_ns: int
    link: str
    data: int  # offset of the data in the medium


def locate_manifest(medium, label: str | None = None) -> tuple[int, Manifest]:
    """``(offset of the manifest's header, manifest)``; ``DamagedMedium`` when it is not there."""
    size = len(medium)
    if size % RECORD or size == 0:
        raise DamagedMedium(f"the medium is truncated ({size} bytes, not whole tar records)")
    end, floor = size, max(0, size - RECORD - 2 * BLOCK)
    while end > floor and medium[end - BLOCK:end] == _ZERO_BLOCK:
        end -= BLOCK
    if size - end < 2 * BLOCK or end == 0:
        raise DamagedMedium("the medium is truncated: its end-of-archive blocks are missing")
    low = max(0, end - MANIFEST_MAX - 2 * BLOCK)
    at = end
    while True:
        found = medium.rfind(_MAGIC, low, at)
        if found < 0:
            raise DamagedMedium("the medium is truncated or damaged: no valid manifest at its "
                                "end")
        at, start = found, found - 257
        if start < 0 or start % BLOCK:
            continue
        block = medium[start:start + BLOCK]
        if block[:len(MANIFEST_NAME) + 1] != MANIFEST_NAME.encode() + b"\0" or \
                not _checksum_ok(block):
            continue
        length = tarfile.nti(block[124:136])
        if start + BLOCK + length + padding(length) != end:
            continue
        data = bytes(medium[start + BLOCK:start + BLOCK + length])
        return start, parse_manifest(data, label)


def _checksum_ok(block: bytes) -> bool:
    try:
        return tarfile.nti(block[148:156]) in tarfile.calc_chksums(block)
    except tarfile.InvalidHeaderError:
        return False


def members(medium, stop: int):
    """The members before offset ``stop``, pax records applied."""
    at, pax = 0, {}
    while at < stop:
        block = medium[at:at + BLOCK]
        if len(block) < BLOCK or not _checksum_ok(block):
            raise DamagedMedium(f"a bad tar header at byte {at} of the medium")
        try:
            size = tarfile.nti(block[124:136])
        except tarfile.InvalidHeaderError:
            raise DamagedMedium(f"a bad tar header at byte {at} of the medium") from None
        kind, data = block[156:157], at + BLOCK
        at = data + size + padding(size)
        if at > stop:
            raise DamagedMedium(f"a member at byte {data - BLOCK} runs past the manifest")
        if kind == tarfile.XHDTYPE:
            pax = _pax_records(bytes(medium[data:data + size]))
            continue
        yield _member(block, kind, pax, data, size)
        pax = {}


def _pax_records(raw: bytes) -> dict[str, str]:
    records, at = {}, 0
    while at < len(raw):
        space = raw.find(b" ", at)
        try:
            length = int(raw[at:space])
        except ValueError:
            raise DamagedMedium("a bad pax header on the medium") from None
        record = raw[space + 1:at + length]
        if length <= 0 or not record.endswith(b"\n") or b"=" not in record:
            raise DamagedMedium("a bad pax header on the medium")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8",
                                                                       "surrogateescape")
        at += length
    return records


def _member(block: bytes, kind: bytes, pax: dict, data: int, size: int) -> Member:
    if kind not in _TYPES:
        raise DamagedMedium(f"a member of an unsupported type {kind!r} at byte {data - BLOCK}")
    text = lambda raw: tarfile.nts(raw, "utf-8", "surrogateescape")  # noqa: E731
    name = pax.get("path") or (text(block[345:500]) + "/" + text(block[:100])
                               if block[345] else text(block[:100]))
    name = name.rstrip("/")
    name = "" if name == "." else name.removeprefix("./")
    try:
        mode, uid, gid = (tarfile.nti(block[100:108]), tarfile.nti(block[108:116]),
                          tarfile.nti(block[116:124]))
        mtime_ns = tarfile.nti(block[136:148]) * 1_000_000_000
        uid, gid = int(pax.get("uid", uid)), int(pax.get("gid", gid))
        if "mtime" in pax:
            seconds, _, fraction = pax["mtime"].partition(".")
            mtime_ns = int(seconds) * 1_000_000_000 + int((fraction + "000000000")[:9])
        size = int(pax.get("size", size))
    except (tarfile.InvalidHeaderError, ValueError):
        raise DamagedMedium(f"a bad tar header at byte {data - BLOCK}") from None
    link = pax.get("linkpath") or text(block[157:257])
    return Member(name, _TYPES[kind], mode & 0o7777, uid, gid, size, mtime_ns, link, data)


def _check(name: str, expected: str, found: str) -> None:
    if found != expected:
        raise DamagedMedium(f"the data of {name!r} differs from the manifest (hash mismatch)")


def _agrees(member: Member, entry: ManifestEntry) -> bool:
    return (member.name, member.kind, member.size) == (entry.name, entry.kind, entry.size) \
        and (entry.kind == "f" or member.link == entry.check)


def empty_directory(target: Path) -> None:
    """Remove everything under ``target`` (not ``target`` itself)."""
    with os.scandir(target) as listing:
        for entry in listing:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)


class _Restore:
    def __init__(self, medium, fd: int, target: Path, progress: Progress | None) -> None:
        self.medium, self.fd, self.target, self.progress = medium, fd, target, progress
        self.view = memoryview(medium)
        self.dirs: dict[str, Member] = {}
        self.files: set[str] = set()
        self.as_root = os.geteuid() == 0
        self.done = 0
        self.pending: deque = deque()  # (name, expected hash, future of its hash)

    def path(self, member: Member) -> str:
        parent = member.name.rpartition("/")[0]
        if parent not in self.dirs:
            raise DamagedMedium(f"{member.name}: its directory is not earlier on the medium")
        return os.path.join(self.target, member.name)

    def run(self, stop: int, manifest: Manifest, hasher: ThreadPoolExecutor) -> None:
        entries, total = iter(manifest.entries), manifest.bytes
        for member in members(self.medium, stop):
            entry = next(entries, None)
            if entry is None or not _agrees(member, entry):
                raise DamagedMedium(f"the member {member.name!r} differs from the manifest")
            if member.name == "":
                self.dirs[""] = member
            elif member.kind == "d":
                os.mkdir(self.path(member), 0o700)
                self.dirs[member.name] = member
            elif member.kind == "f":
                self.file(member, entry, hasher)
                if self.progress is not None:
                    self.progress(self.done, total)
            elif member.kind == "l":
                path = self.path(member)
                os.symlink(member.link, path)
                self.attributes(path, member, follow=False)
            else:
                if member.link not in self.files:
                    raise DamagedMedium(f"{member.name}: a hard link to a file not yet read")
                os.link(os.path.join(self.target, member.link), self.path(member),
                        follow_symlinks=False)
        self.settle()
        missing = next(entries, None)
        if missing is not None:
            raise DamagedMedium(f"the member {missing.name!r} of the manifest is not on the "
                                "medium")
        for name in sorted(self.dirs, reverse=True):
            self.attributes(os.path.join(self.target, name) if name else os.fspath(self.target),
                            self.dirs[name], follow=True)

    def file(self, member: Member, entry: ManifestEntry, hasher: ThreadPoolExecutor) -> None:
        """Write one file; a small one is checked at once, a large one's hash is computed by
        the helper from the mapping while the kernel copies it, and checked by ``settle``."""
        fd = os.open(self.path(member), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        try:
            if member.size <= SMALL:
                with self.view[member.data:member.data + member.size] as data:
                    done = 0
                    while done < member.size:
                        done += os.write(fd, data[done:])
                    _check(member.name, entry.check, blake3.blake3(data).hexdigest())
            else:
                self.pending.append((member.name, entry.check, hasher.submit(
                    self.hash_range, member.data, member.size)))
                self.copy(fd, member)
                self.settle(keep=PENDING)
            self.attributes(fd, member, follow=True)
        finally:
            os.close(fd)
        self.files.add(member.name)
        self.done += member.size

    def hash_range(self, start: int, size: int) -> str:
        with self.view[start:start + size] as data:
            return blake3.blake3(data).hexdigest()

    def settle(self, keep: int = 0) -> None:
        """Check the hashes computed meanwhile, until at most ``keep`` are outstanding."""
        while len(self.pending) > keep:
            name, expected, hashing = self.pending.popleft()
            _check(name, expected, hashing.result())

    def copy(self, fd: int, member: Member) -> None:
        done = 0
        while done < member.size:
            n = os.copy_file_range(self.fd, fd, member.size - done, member.data + done)
            if n == 0:
                raise DamagedMedium(f"the medium ends inside {member.name!r}")
            done += n

    def attributes(self, path, member: Member, follow: bool) -> None:
        if self.as_root:
            os.chown(path, member.uid, member.gid, follow_symlinks=follow)
        if follow:
            os.chmod(path, member.mode)
        os.utime(path, ns=(member.mtime_ns, member.mtime_ns), follow_symlinks=follow)


def read_archive(medium_path: Path, target: Path, label: str | None = None,
                 progress: Progress | None = None, manifest_hash: str = "") -> Manifest:
    """Make ``target`` (an existing directory) hold exactly the archive; its manifest back.
    With ``manifest_hash``, the medium's manifest must be that one (the catalog's record)."""
    with open(medium_path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise DamagedMedium("the medium is empty")
        with mmap.mmap(handle.fileno(), size, prot=mmap.PROT_READ) as medium:
            stop, manifest = locate_manifest(medium, label)
            if manifest_hash and manifest.digest != manifest_hash:
                raise DamagedMedium("the manifest on the medium is not the one the tape catalog "
                                    "recorded for this archive")
            empty_directory(target)
            restore = _Restore(medium, handle.fileno(), target, progress)
            try:
                with ThreadPoolExecutor(1, thread_name_prefix="tape-hash") as hasher:
                    restore.run(stop, manifest, hasher)
            finally:
                restore.view.release()
    return manifest
