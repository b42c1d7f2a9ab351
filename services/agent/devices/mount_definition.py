"""The copy group mount definition file ``CG_MP.conf`` (spec 03 §3.5): parse, update, write.

``drmmount <backup-ID> -conf`` writes the mounts of a backup ID into it; the operator may then
edit the ``FS=`` values; later mounts take their mount points from it (spec 03 §3.6). Format::

    #configuration file for copy-group mounting
    [CG_DEF]
    COPY-GROUP-NUM=<n>
    COPY-GROUP=<group>,<device>     n times, each followed by
    BUID=<10-digit backup ID>         the backup ID (generation) the copy group is bound to
    DATETIME=<YYYYMMDDhhmmss>         that backup's time
    [DG_DEF]
    DISK-GROUP-NUM=<m>
    BUID=<backup ID>                m blocks, one per backup ID:
    DATETIME=<YYYYMMDDhhmmss>
    COPY-GROUP-NUM=<k>
    COPY-GROUP=<group>,<device>       k times
    P-DG=<disk group>                 "-" where there is none
    S-DG=<disk group>
    FS-NUM=<j>
    LVM-DEVICE=<device>               j times the triple LVM-DEVICE / LABEL / FS
    LABEL=<label>
    FS=<mount point>

Here ``LVM-DEVICE`` is the S-VOL device as this host names it (``<serial>:<ldev>``); a copy
group's mount point is the ``FS`` of the triple whose device is its S-VOL, in the block of the
backup ID it is bound to. The parser checks every count against what follows and every value
against explicit limits (``MAX_*``), and reports the first problem with its line number
(``MountDefinitionError``); it never relies on a count to read on. Blank lines, ``#`` comments
and CR LF line ends are accepted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable, Iterator

from events.names import BadName, check_copy_group, check_path

FILE_NAME = "CG_MP.conf"
HEADER = "#configuration file for copy-group mounting"
MAX_BYTES = 1 << 20
MAX_LINE = 4096
MAX_COPY_GROUPS = 4096  # bindings in [CG_DEF], and copy groups of one block
MAX_BLOCKS = 4096
MAX_FILE_SYSTEMS = 4096  # triples of one block
MAX_NAME = 255  # P-DG, S-DG, LVM-DEVICE, LABEL
BACKUP_ID = re.compile(r"[0-9]{10}")
DATETIME = re.compile(r"[0-9]{14}")
COUNT = re.compile(r"[0-9]{1,6}")
NAME = re.compile(r"[^\x00-\x1f\x7f=]{1,%d}" % MAX_NAME)


class MountDefinitionError(ValueError):
    """A ``CG_MP.conf`` that cannot be used; the message names the line and what is wrong."""


@dataclass(frozen=True)
class Binding:
    copy_group: str
    backup_id: str
    datetime: str


@dataclass(frozen=True)
class FileSystemDef:
    device: str
    label: str
    mount_point: str


@dataclass(frozen=True)
class DiskGroupBlock:
    backup_id: str
    datetime: str
    copy_groups: tuple[str, ...]
    primary_dg: str
    secondary_dg: str
    file_systems: tuple[FileSystemDef, ...]


@dataclass(frozen=True)
class MountDefinition:
    bindings: tuple[Binding, ...] = ()
    blocks: tuple[DiskGroupBlock, ...] = ()

    def mount_point(self, copy_group: str, device: str) -> str | None:
        """The ``FS`` defined for ``copy_group`` whose S-VOL is ``device``; None when the file
        has none (the copy group unbound, its block or its device missing)."""
        binding = next((b for b in self.bindings if b.copy_group == copy_group), None)
        if binding is None:
            return None
        for block in self.blocks:
            if block.backup_id == binding.backup_id:
                for fs in block.file_systems:
                    if fs.device == device:
                        return fs.mount_point
        return None

    def with_mounts(self, backup_id: str, when: str, mounts: Iterable[tuple[str, FileSystemDef]]
                    ) -> "MountDefinition":
        """The definition after ``drmmount <backup_id> -conf`` mounted ``(copy group, fs)``
        pairs: each copy group bound to ``backup_id``, one block for it (replacing an older
        one), and the blocks no copy group is bound to any more left out."""
        mounts = list(mounts)
        names = [name for name, _ in mounts]
        bindings = [b for b in self.bindings if b.copy_group not in names]
        bindings += [Binding(name, backup_id, when) for name in names]
        block = DiskGroupBlock(backup_id, when, tuple(names), "-", "-",
                               tuple(fs for _, fs in mounts))
        bound = {b.backup_id for b in bindings}
        blocks = [b for b in self.blocks if b.backup_id != backup_id and b.backup_id in bound]
        return replace(self, bindings=tuple(bindings), blocks=(*blocks, block))


def datetime_text(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


# -- writing -------------------------------------------------------------------------------------
def format_definition(definition: MountDefinition) -> str:
    lines = [HEADER, "[CG_DEF]", f"COPY-GROUP-NUM={len(definition.bindings)}"]
    for b in definition.bindings:
        lines += [f"COPY-GROUP={b.copy_group}", f"BUID={b.backup_id}", f"DATETIME={b.datetime}"]
    lines += ["[DG_DEF]", f"DISK-GROUP-NUM={len(definition.blocks)}"]
    for block in definition.blocks:
        lines += [f"BUID={block.backup_id}", f"DATETIME={block.datetime}",
                  f"COPY-GROUP-NUM={len(block.copy_groups)}",
                  *(f"COPY-GROUP={name}" for name in block.copy_groups),
                  f"P-DG={block.primary_dg}", f"S-DG={block.secondary_dg}",
                  f"FS-NUM={len(block.file_systems)}"]
        for fs in block.file_systems:
            lines += [f"LVM-DEVICE={fs.device}", f"LABEL={fs.label}", f"FS={fs.mount_point}"]
    return "\n".join(lines) + "\n"


# -- reading -------------------------------------------------------------------------------------
class _Lines:
    """The file's ``KEY=value`` lines (and section headers) with their line numbers."""

    def __init__(self, text: str) -> None:
        if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            raise MountDefinitionError(f"{FILE_NAME} is larger than {MAX_BYTES:,} bytes")
        self.items = list(self._read(text))
        self.at = 0

    @staticmethod
    def _read(text: str) -> Iterator[tuple[int, str, str]]:
        for number, raw in enumerate(text.split("\n"), 1):
            line = raw.removesuffix("\r").strip(" \t")
            if len(line) > MAX_LINE:
                raise MountDefinitionError(f"line {number}: longer than {MAX_LINE} characters")
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                yield number, line, ""
                continue
            key, equals, value = line.partition("=")
            if not equals:
                raise MountDefinitionError(f"line {number}: {_shown(line)} is neither KEY=value "
                                           "nor a [section]")
            yield number, key.strip(" \t"), value.strip(" \t")

    def line(self) -> int:
        return self.items[self.at][0] if self.at < len(self.items) else \
            (self.items[-1][0] if self.items else 1)

    def peek(self) -> str | None:
        return self.items[self.at][1] if self.at < len(self.items) else None

    def take(self, key: str, pattern: re.Pattern[str] | None = None) -> str:
        if self.at >= len(self.items):
            raise MountDefinitionError(f"line {self.line()}: the file ends where {key} is due")
        number, found, value = self.items[self.at]
        if found != key:
            raise MountDefinitionError(f"line {number}: {_shown(found)} where {key} is due")
        if pattern is not None and not pattern.fullmatch(value):
            raise MountDefinitionError(f"line {number}: {key}={_shown(value)} is not valid")
        self.at += 1
        return value

    def count(self, key: str, limit: int) -> tuple[int, int]:
        number = self.line()
        value = int(self.take(key, COUNT))
        if value > limit:
            raise MountDefinitionError(f"line {number}: {key}={value} is over the limit {limit}")
        return value, number


def _shown(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def _checked(lines: _Lines, key: str, check) -> str:
    number, value = lines.line(), lines.take(key)
    try:
        return check(value)
    except (BadName, ValueError) as error:
        raise MountDefinitionError(f"line {number}: {key}={_shown(value)}: {error}") from None


def _copy_group(value: str) -> str:
    return check_copy_group(value)


def _datetime(value: str) -> str:
    if not DATETIME.fullmatch(value):
        raise ValueError("not YYYYMMDDhhmmss")
    datetime.strptime(value, "%Y%m%d%H%M%S")
    return value


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError(f"1 to {MAX_NAME} characters, no control character or '='")
    return value


def _repeated(lines: _Lines, key: str, limit: int, read) -> list:
    """``KEY-NUM=<n>`` then items while they come; the count must match what was found."""
    expected, number = lines.count(key, limit)
    found = []
    first = {"COPY-GROUP-NUM": "COPY-GROUP", "DISK-GROUP-NUM": "BUID",
             "FS-NUM": "LVM-DEVICE"}[key]
    while lines.peek() == first:
        if len(found) == limit:
            raise MountDefinitionError(f"line {lines.line()}: more than {limit} entries")
        found.append(read(lines))
    if len(found) != expected:
        raise MountDefinitionError(f"line {number}: {key}={expected} but {len(found)} "
                                   f"{'entry follows' if len(found) == 1 else 'entries follow'}")
    return found


def _binding(lines: _Lines) -> Binding:
    return Binding(_checked(lines, "COPY-GROUP", _copy_group),
                   lines.take("BUID", BACKUP_ID), _checked(lines, "DATETIME", _datetime))


def _file_system(lines: _Lines) -> FileSystemDef:
    return FileSystemDef(_checked(lines, "LVM-DEVICE", _name), _checked(lines, "LABEL", _name),
                         _checked(lines, "FS", check_path))


def _block(lines: _Lines) -> DiskGroupBlock:
    backup_id = lines.take("BUID", BACKUP_ID)
    when = _checked(lines, "DATETIME", _datetime)
    names = _repeated(lines, "COPY-GROUP-NUM", MAX_COPY_GROUPS,
                      lambda ls: _checked(ls, "COPY-GROUP", _copy_group))
    primary, secondary = _checked(lines, "P-DG", _name), _checked(lines, "S-DG", _name)
    systems = _repeated(lines, "FS-NUM", MAX_FILE_SYSTEMS, _file_system)
    return DiskGroupBlock(backup_id, when, tuple(names), primary, secondary, tuple(systems))


def parse_definition(text: str) -> MountDefinition:
    """The definition in ``text``; ``MountDefinitionError`` naming the first problem."""
    lines = _Lines(text)
    lines.take("[CG_DEF]")
    bindings = _repeated(lines, "COPY-GROUP-NUM", MAX_COPY_GROUPS, _binding)
    lines.take("[DG_DEF]")
    blocks = _repeated(lines, "DISK-GROUP-NUM", MAX_BLOCKS, _block)
    if lines.peek() is not None:
        raise MountDefinitionError(f"line {lines.line()}: {_shown(lines.peek())} after the "
                                   "last block")
    seen: set[str] = set()
    for binding in bindings:
        if binding.copy_group in seen:
            raise MountDefinitionError(f"[CG_DEF]: the copy group {binding.copy_group} is "
                                       "bound twice")
        seen.add(binding.copy_group)
    ids = [block.backup_id for block in blocks]
    if len(set(ids)) != len(ids):
        raise MountDefinitionError("[DG_DEF]: two blocks for one BUID")
    return MountDefinition(tuple(bindings), tuple(blocks))
