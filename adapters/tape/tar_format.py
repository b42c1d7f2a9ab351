"""The tape medium format: a POSIX (pax) tar stream that ends with a manifest member.

One archive (one copy group of one tape backup) is one medium file, readable by ``tar -tvf``
and ``tar -xpf`` without the product. Its members, in order:

- ``./``: the root directory (its mode, owner and mtime are the S-VOL root's);
- the tree, depth first in name order: directories (``name/``), regular files, symbolic links,
  hard links (a second name of a file already written); uid and gid numeric (no user names),
  modes, and mtimes to the nanosecond (a pax ``mtime`` record when not a whole second);
- ``MANIFEST_NAME``: the manifest (JSON, ``parse_manifest``): the label and every member above
  in the same order with its kind, size and BLAKE3 hash (files; ``b3sum`` checks them) or link
  target (links); plain ustar, so ``locate_manifest`` finds it from the end of the medium;
- two zero blocks, padded with zeros to a multiple of ``RECORD`` (tar's 10 KiB record).

A medium missing its tail (no end blocks, no manifest) is truncated; one whose manifest does
not parse, or whose members differ from it, is damaged: both are refused before use.
"""
from __future__ import annotations

import json
import re
import stat
import tarfile
from dataclasses import dataclass

import blake3

from adapters.tape.base import TapeError

BLOCK = 512
RECORD = 20 * BLOCK
FORMAT = "drm-tape/1"
HASH = "blake3"
MANIFEST_NAME = ".drm-tape-manifest.json"
MANIFEST_MAX = 1 << 30  # bytes of manifest JSON a reader accepts (~8 million entries)
ENTRIES_MAX = 8_000_000
NAME_MAX = 4096  # bytes of one member name (PATH_MAX)
KINDS = ("d", "f", "l", "h")  # directory, file, symbolic link, hard link
_HASH = re.compile(r"[0-9a-f]{64}")
ZEROS = bytes(RECORD)


class DamagedMedium(TapeError):
    """The medium is truncated, or its members or data differ from its manifest."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    name: str  # relative, "/"-separated, no "." or ".." part ("" is the root)
    kind: str  # one of KINDS
    size: int  # bytes of a file (0 otherwise)
    check: str  # BLAKE3 hex of a file; link target of "l" and "h"; "" for a directory


@dataclass(frozen=True, slots=True)
class Manifest:
    label: str
    entries: tuple[ManifestEntry, ...]
    digest: str = ""  # BLAKE3 of the manifest's bytes

    @property
    def bytes(self) -> int:
        return sum(e.size for e in self.entries)

    @property
    def files(self) -> int:
        return sum(e.kind == "f" for e in self.entries)


def padding(size: int) -> int:
    return -size % BLOCK


def member_name(rel: str, kind: str) -> str:
    """The tar name of ``rel`` (root ``./``, directories end with ``/``)."""
    if not rel:
        return "./"
    return rel + "/" if kind == "d" else rel


def header(rel: str, kind: str, st, size: int = 0, link: str = "") -> bytes:
    """The header block(s) of one member, pax records where ustar cannot hold a field.

    The bytes are exactly what ``tarfile`` writes (``PAX_FORMAT``); the common member (ASCII
    name and link target of at most 100 characters, numbers within ustar's fields) is built
    here directly, ~5x faster: a medium has a header or two per file."""
    name = member_name(rel, kind)
    seconds, nanos = divmod(st.st_mtime_ns, 1_000_000_000)
    mode, uid, gid = stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid
    if not (name.isascii() and len(name) <= 100 and link.isascii() and len(link) <= 100
            and 0 <= uid < _MAX7 and 0 <= gid < _MAX7 and 0 <= size < _MAX11
            and 0 <= seconds < _MAX11):
        return _tarfile_header(name, kind, mode, uid, gid, size, seconds, nanos, link)
    member = _ustar(name.encode(), mode, uid, gid, size, seconds, _TYPEFLAG[kind],
                    link.encode())
    if not nanos:
        return member
    records = _pax_record(b"mtime", b"%d.%09d" % (seconds, nanos))
    return (_ustar(b"././@PaxHeader", 0, 0, 0, len(records), 0, tarfile.XHDTYPE, b"")
            + records + bytes(padding(len(records))) + member)


_MAX7, _MAX11 = 8 ** 7, 8 ** 11
_TYPEFLAG = {"d": tarfile.DIRTYPE, "f": tarfile.REGTYPE, "l": tarfile.SYMTYPE,
             "h": tarfile.LNKTYPE}
_USTAR_TAIL = tarfile.POSIX_MAGIC + bytes(32 + 32 + 8 + 8 + 155 + 12)  # magic .. end of block


def _ustar(name: bytes, mode: int, uid: int, gid: int, size: int, mtime: int,
           typeflag: bytes, link: bytes) -> bytes:
    """One ustar header block with empty user and group names (the numbers are the owner)."""
    block = b"".join((name.ljust(100, b"\0"), b"%07o\0%07o\0%07o\0%011o\0%011o\0" % (
        mode, uid, gid, size, mtime), b"        ", typeflag, link.ljust(100, b"\0"),
        _USTAR_TAIL))
    return block[:148] + b"%06o\0" % sum(block) + block[155:]  # the checksum: spaces counted


def _pax_record(keyword: bytes, value: bytes) -> bytes:
    """``"<length> <keyword>=<value>\\n"``, the length counting its own digits."""
    body = len(keyword) + len(value) + 3
    length = body + len(str(body))
    while length != body + len(str(length)):
        length = body + len(str(length))
    return b"%d %s=%s\n" % (length, keyword, value)


def _tarfile_header(name: str, kind: str, mode: int, uid: int, gid: int, size: int,
                    seconds: int, nanos: int, link: str) -> bytes:
    info = tarfile.TarInfo(name)
    info.mode, info.uid, info.gid, info.size, info.mtime = mode, uid, gid, size, seconds
    if nanos:
        info.pax_headers = {"mtime": f"{seconds}.{nanos:09d}"}
    info.type, info.linkname = _TYPEFLAG[kind], link
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def manifest_bytes(label: str, entries: list[tuple[str, str, int, str]]) -> bytes:
    return json.dumps({"format": FORMAT, "hash": HASH, "label": label, "entries": entries},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8",
                                                                         "surrogateescape")


def manifest_member(label: str, entries: list, mtime: int) -> tuple[bytes, str]:
    """The manifest member (the end-of-archive blocks excluded) and the manifest's hash."""
    data = manifest_bytes(label, entries)
    info = tarfile.TarInfo(MANIFEST_NAME)
    info.size, info.mtime, info.mode = len(data), mtime, 0o444
    member = info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "strict") + data + bytes(padding(len(data)))
    return member, blake3.blake3(data).hexdigest()


def end_of_archive(written: int) -> bytes:
    """Two zero blocks, then zeros up to the next whole record."""
    total = written + 2 * BLOCK
    return bytes(2 * BLOCK + (-total % RECORD))


def check_name(name: object) -> str:
    """A member name as the manifest may hold it: relative, normalised, confined."""
    try:  # a lone surrogate other than an escaped byte cannot be a file name: damaged
        too_long = not isinstance(name, str) or \
            len(name.encode("utf-8", "surrogateescape")) > NAME_MAX
    except UnicodeEncodeError:
        too_long = True
    if too_long:
        raise DamagedMedium(f"bad member name in the manifest: {str(name)[:80]!r}")
    if name == "":
        return name
    parts = name.split("/")
    if "\x00" in name or any(p in ("", ".", "..") for p in parts):
        raise DamagedMedium(f"bad member name in the manifest: {name[:80]!r}")
    return name


def parse_manifest(data: bytes, label: str | None = None) -> Manifest:
    """The manifest in ``data``, checked whole; ``DamagedMedium`` for anything else."""
    if len(data) > MANIFEST_MAX:
        raise DamagedMedium(f"the manifest is larger than {MANIFEST_MAX} bytes")
    try:
        document = json.loads(data.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError) as error:
        raise DamagedMedium(f"the manifest is not readable JSON: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT \
            or document.get("hash") != HASH:
        raise DamagedMedium(f"the manifest is not a {FORMAT} manifest")
    found = document.get("label")
    if not isinstance(found, str) or (label is not None and found != label):
        raise DamagedMedium(f"the manifest is of the archive {str(found)[:40]!r}, not {label!r}")
    raw = document.get("entries")
    if not isinstance(raw, list) or not raw or len(raw) > ENTRIES_MAX:
        raise DamagedMedium("the manifest lists no entries or too many")
    entries = tuple(_entry(item) for item in raw)
    if entries[0].name != "" or entries[0].kind != "d":
        raise DamagedMedium("the manifest does not start with the root directory")
    if len({e.name for e in entries}) != len(entries):
        raise DamagedMedium("the manifest names a member twice")
    return Manifest(found, entries, blake3.blake3(data).hexdigest())


def _entry(item: object) -> ManifestEntry:
    if not isinstance(item, list) or len(item) != 4:
        raise DamagedMedium(f"bad manifest entry: {str(item)[:80]!r}")
    name, kind, size, check = item
    name = check_name(name)
    if kind not in KINDS or type(size) is not int or not 0 <= size < 1 << 62 or \
            not isinstance(check, str):
        raise DamagedMedium(f"bad manifest entry: {str(item)[:80]!r}")
    if kind == "f" and not _HASH.fullmatch(check):
        raise DamagedMedium(f"bad file hash in the manifest for {name[:80]!r}")
    if kind != "f" and (size != 0 or (kind == "d") != (check == "")):
        raise DamagedMedium(f"bad manifest entry: {str(item)[:80]!r}")
    if kind == "h":
        check_name(check)
    if kind == "l" and ("\x00" in check or len(check) > NAME_MAX or not check):
        raise DamagedMedium(f"bad link target in the manifest for {name[:80]!r}")
    return ManifestEntry(name, kind, size, check)
