"""WAL arithmetic, pure: segment names, LSNs, backup labels and timeline history files.

A WAL segment's name is ``TTTTTTTTXXXXXXXXYYYYYYYY``: timeline ``T``, then the segment number
split in two (``X`` = number // per_id, ``Y`` = number % per_id, where ``per_id`` =
0x100000000 // segment size). An LSN ``H/L`` is the 64-bit position ``H << 32 | L``; the
segment holding it is position // segment size. The texts parsed here are PostgreSQL's own:
the backup label (``START WAL LOCATION: 0/2000028 (file 000000010000000000000002)``,
``START TIMELINE: 1``; a backup history file adds ``STOP WAL LOCATION``) and the timeline
history file (``<parent timeline>\t<switch LSN>\t<reason>`` per line). A malformed text raises
``WalFormatError``; nothing here reads a file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024
_SEGMENT = re.compile(r"([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})")
_LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")
_HISTORY_NAME = re.compile(r"([0-9A-F]{8})\.history")
_BACKUP_NAME = re.compile(r"([0-9A-F]{24})\.([0-9A-F]{8})\.backup")
MAX_LABEL_CHARS = 64 * 1024
MAX_HISTORY_CHARS = 4 * 1024 * 1024
MAX_TIMELINE = 0xFFFFFFFF
_TIMELINE = re.compile(r"[0-9]{1,10}")


class WalFormatError(ValueError):
    """A WAL name, LSN, label or history text that is not PostgreSQL's."""


def _per_id(segment_size: int) -> int:
    return 0x100000000 // segment_size


def parse_lsn(text: str) -> int:
    match = _LSN.fullmatch(text.strip())
    if match is None:
        raise WalFormatError(f"not an LSN: {text[:40]!r}")
    return int(match[1], 16) << 32 | int(match[2], 16)


def parse_timeline(text: str, what: str = "timeline") -> int:
    """A timeline ID as PostgreSQL writes it: ASCII digits, 1 to 2**32 - 1 (``int`` alone
    also takes ``-5``, ``1_0``, other scripts' digits and numbers of any size)."""
    stripped = text.strip()
    if not _TIMELINE.fullmatch(stripped) or not 0 < int(stripped) <= MAX_TIMELINE:
        raise WalFormatError(f"{what} {text[:20]!r} is not a timeline from 1 to {MAX_TIMELINE}")
    return int(stripped)


def format_lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def parse_segment(name: str, segment_size: int = DEFAULT_SEGMENT_SIZE) -> tuple[int, int]:
    """``(timeline, segment number)`` of a segment name (``.partial`` allowed)."""
    match = _SEGMENT.fullmatch(name.removesuffix(".partial"))
    if match is None:
        raise WalFormatError(f"not a WAL segment name: {name[:40]!r}")
    timeline, high, low = (int(part, 16) for part in match.groups())
    if low >= _per_id(segment_size) or timeline == 0:
        raise WalFormatError(f"not a WAL segment name for {segment_size}-byte segments: {name}")
    return timeline, high * _per_id(segment_size) + low


def segment_name(timeline: int, number: int, segment_size: int = DEFAULT_SEGMENT_SIZE) -> str:
    per_id = _per_id(segment_size)
    return f"{timeline:08X}{number // per_id:08X}{number % per_id:08X}"


def segment_of(lsn: int, segment_size: int = DEFAULT_SEGMENT_SIZE) -> int:
    return lsn // segment_size


def file_kind(name: str) -> str:
    """``segment``, ``partial``, ``history`` or ``backup``; else ``WalFormatError``."""
    if _HISTORY_NAME.fullmatch(name):
        return "history"
    if _BACKUP_NAME.fullmatch(name):
        return "backup"
    if _SEGMENT.fullmatch(name.removesuffix(".partial")):
        return "partial" if name.endswith(".partial") else "segment"
    raise WalFormatError(f"not a WAL file name: {name[:40]!r}")


def file_timeline(name: str) -> int:
    timeline = int(name[:8], 16)
    if timeline == 0:
        raise WalFormatError(f"timeline 0 in {name}")
    return timeline


@dataclass(frozen=True)
class LabelFacts:
    """What a backup label (or backup history file) says."""

    start_lsn: int
    start_wal: str
    timeline: int
    stop_lsn: int | None = None
    stop_wal: str | None = None
    label: str = ""


def parse_label(text: str) -> LabelFacts:
    """The facts of a backup label or ``.backup`` history file (``WalFormatError`` if any
    required line is missing or malformed)."""
    if len(text) > MAX_LABEL_CHARS:
        raise WalFormatError("a backup label longer than 64 KiB")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    start = _location(fields, "START WAL LOCATION")
    if start is None:
        raise WalFormatError("the backup label has no START WAL LOCATION line")
    if "START TIMELINE" not in fields:
        raise WalFormatError("the backup label has no START TIMELINE line")
    timeline = parse_timeline(fields["START TIMELINE"], "the backup label's START TIMELINE")
    stop = _location(fields, "STOP WAL LOCATION")
    return LabelFacts(start_lsn=start[0], start_wal=start[1], timeline=timeline,
                      stop_lsn=stop[0] if stop else None, stop_wal=stop[1] if stop else None,
                      label=fields.get("LABEL", ""))


def _location(fields: dict[str, str], key: str) -> tuple[int, str] | None:
    value = fields.get(key)
    if value is None:
        return None
    match = re.fullmatch(r"(\S+) \(file ([0-9A-F]{24})\)", value)
    if match is None:
        raise WalFormatError(f"the line {key} is malformed: {value[:60]!r}")
    return parse_lsn(match[1]), match[2]


def parse_history(text: str) -> tuple[tuple[int, int], ...]:
    """A timeline history file: ``((parent timeline, switch LSN), …)`` oldest first."""
    if len(text) > MAX_HISTORY_CHARS:
        raise WalFormatError(f"a history file longer than {MAX_HISTORY_CHARS} characters")
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 2:
            raise WalFormatError(f"a history line is malformed: {line[:60]!r}")
        entries.append((parse_timeline(parts[0], "a history line's timeline"),
                         parse_lsn(parts[1])))
    return tuple(entries)
