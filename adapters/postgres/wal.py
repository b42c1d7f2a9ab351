"""WAL names, LSNs and timeline history files: pure parsing, no I/O.

A WAL segment file is named ``TTTTTTTTXXXXXXXXYYYYYYYY`` (hex): timeline ``T``, then the
segment number split at 4 GiB (``X`` = high part, ``Y`` = segment within it), so the split
depends on the cluster's segment size (``initdb --wal-segsize``, 1 to 1024 MiB). A history
file ``TTTTTTTT.history`` lists the ancestry of timeline ``T``: one line per parent,
``<parent timeline> <switch LSN> <reason>``. A backup history file is
``<segment name>.<offset>.backup``. An LSN is written ``HI/LO`` (hex).

Every parser here refuses what it cannot read with ``WalNameError`` (a ``ValueError``); a
fuzz test feeds them arbitrary text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MIB = 1 << 20
MAX_LSN = (1 << 64) - 1
_SEGMENT = re.compile(r"^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$")
_HISTORY = re.compile(r"^([0-9A-F]{8})\.history$")
_BACKUP = re.compile(r"^([0-9A-F]{24})\.([0-9A-F]{8})\.backup$")
_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")
MAX_HISTORY_LINES = 100_000


class WalNameError(ValueError):
    """A WAL file name, LSN or history line that is not well formed."""


@dataclass(frozen=True, order=True)
class Segment:
    """One WAL segment: ``number`` counts segments of ``size`` bytes from LSN 0."""

    timeline: int
    number: int
    size: int

    @property
    def start_lsn(self) -> int:
        return self.number * self.size

    @property
    def end_lsn(self) -> int:
        return (self.number + 1) * self.size

    @property
    def name(self) -> str:
        per_id = (1 << 32) // self.size
        return f"{self.timeline:08X}{self.number // per_id:08X}{self.number % per_id:08X}"


@dataclass(frozen=True)
class TimelineSwitch:
    """A line of a history file: ``parent`` was followed up to ``switch_lsn``."""

    parent: int
    switch_lsn: int
    reason: str = ""


def check_segment_size(size: int) -> int:
    """``size`` when it is a power of two between 1 MiB and 1 GiB (what initdb accepts)."""
    if not isinstance(size, int) or size < MIB or size > 1024 * MIB or size & (size - 1):
        raise WalNameError(f"not a WAL segment size: {size!r}")
    return size


def parse_segment(name: str, size: int) -> Segment:
    """The segment named ``name`` for segments of ``size`` bytes."""
    check_segment_size(size)
    match = _SEGMENT.fullmatch(name)
    if not match:
        raise WalNameError(f"not a WAL segment name: {name!r}")
    timeline, high, low = (int(part, 16) for part in match.groups())
    per_id = (1 << 32) // size
    if timeline == 0 or low >= per_id:
        raise WalNameError(f"not a WAL segment name for {size // MIB} MiB segments: {name!r}")
    return Segment(timeline, high * per_id + low, size)


def segment_of(lsn: int, timeline: int, size: int) -> Segment:
    """The segment of ``timeline`` holding byte ``lsn``."""
    return Segment(timeline, check_lsn(lsn) // check_segment_size(size), size)


def parse_history_name(name: str) -> int:
    """The timeline a ``TTTTTTTT.history`` file describes."""
    match = _HISTORY.fullmatch(name)
    if not match or int(match.group(1), 16) == 0:
        raise WalNameError(f"not a timeline history file name: {name!r}")
    return int(match.group(1), 16)


def parse_backup_name(name: str, size: int) -> tuple[Segment, int]:
    """A backup history file's segment and the start LSN it records."""
    match = _BACKUP.fullmatch(name)
    if not match:
        raise WalNameError(f"not a backup history file name: {name!r}")
    segment = parse_segment(match.group(1), size)
    offset = int(match.group(2), 16)
    if offset >= size:
        raise WalNameError(f"backup offset beyond its segment: {name!r}")
    return segment, segment.start_lsn + offset


def check_lsn(lsn: int) -> int:
    if not isinstance(lsn, int) or isinstance(lsn, bool) or not 0 <= lsn <= MAX_LSN:
        raise WalNameError(f"not an LSN: {lsn!r}")
    return lsn


def parse_lsn(text: str) -> int:
    """The LSN written ``HI/LO`` (as PostgreSQL prints it)."""
    match = _LSN.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise WalNameError(f"not an LSN: {text!r}")
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(lsn: int) -> str:
    check_lsn(lsn)
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_history(text: str) -> tuple[TimelineSwitch, ...]:
    """The switches of a history file, oldest first. Comment and blank lines are skipped;
    parents must increase. Switch LSNs may go back: a recovery that stopped on an older
    timeline before a later switch still names the newest timeline as its parent."""
    switches: list[TimelineSwitch] = []
    lines = text.splitlines()
    if len(lines) > MAX_HISTORY_LINES:
        raise WalNameError("history file too long")
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.split(None, 2)
        if len(fields) < 2 or not fields[0].isdigit() or not fields[0].isascii():
            raise WalNameError(f"history line {number} is not '<timeline> <LSN> <reason>'")
        parent, switch = int(fields[0]), parse_lsn(fields[1])
        if not 0 < parent < 1 << 32:
            raise WalNameError(f"history line {number}: timeline {parent} out of range")
        if switches and parent <= switches[-1].parent:  # LSNs may go back: see chain.py
            raise WalNameError(f"history line {number} goes backwards")
        switches.append(TimelineSwitch(parent, switch, fields[2] if len(fields) > 2 else ""))
    return tuple(switches)


def classify(name: str, size: int) -> str:
    """``segment``, ``partial``, ``history``, ``backup`` or ``other`` for a file name."""
    for kind, check in (("segment", lambda n: parse_segment(n, size)),
                        ("history", parse_history_name),
                        ("backup", lambda n: parse_backup_name(n, size))):
        try:
            check(name)
            return kind
        except WalNameError:
            pass
    if name.endswith(".partial") and classify(name[:-len(".partial")], size) == "segment":
        return "partial"
    return "other"
