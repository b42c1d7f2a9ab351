"""The transaction log list file (spec 05 §2.7): what ``drmsqllogbackup <instance> -v`` prints
and ``drmsqlrecover -transact_log_list <file>`` reads.

Layout: per backup a header, then one ``[DBNAME]`` section, then that database's log backup
files in apply order, one path a line::

    # ORIGINAL-ID:0000000080
    BACKUP-ID:0000000080
    [DB03]
    /logs/DB03_20040811115351_0001.bk
    /logs/DB03_20040811115431_0002.bk

The header may also stand on one line (``# ORIGINAL-ID: 0000000002 BACKUP-ID: 0000000002``);
the ``BACKUP-ID`` line may be missing (``-no_cat`` log backups have none; ``drmsqllogbackup -v``
shows their original ID as ``0000000000``). Blank lines, other ``#`` lines and the command's own
message lines (``KAVX0001-I …``, when its whole output was redirected) are ignored. ``parse``
refuses, with ``LogListError`` naming the line, anything else: a section before a header, a
file before a section, a bad ID or name, a path that breaks
``events.names.check_path``, and a file over the limits below. ``render`` writes what ``parse``
reads back unchanged. Pure: where the paths may point is decided by the agent against its log
backup directory (``adapters.paths.confine``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from events.names import BadName, check_path

MAX_BYTES = 4 * 1024 * 1024
MAX_SECTIONS = 4096
MAX_FILES = 100_000  # over all sections
MAX_DATABASE_NAME = 128  # SQL Server's sysname
BACKUP_ID = re.compile(r"[0-9]{10}")
_HEADER = re.compile(r"#\s*ORIGINAL-ID:\s*(\S*)(?:\s+BACKUP-ID:\s*(\S*))?\s*")
_BACKUP_LINE = re.compile(r"BACKUP-ID:\s*(\S*)\s*")
_SECTION = re.compile(r"\[(.*)\]")
_MESSAGE = re.compile(r"(KAVX|DRMX)[0-9]{4}-[IWEQ] .*")


class LogListError(ValueError):
    """The file is not a transaction log list file; the text names the line and the problem."""


@dataclass(frozen=True)
class LogListSection:
    """One database's log backups under one full backup, in apply order."""

    original_id: str
    backup_id: str  # "" when the list gives none
    database: str
    files: tuple[str, ...]


def check_database_name(name: str) -> str:
    """A database name as the list file and the commands carry it: 1 to 128 printable
    characters, no ``[``, ``]``, ``,`` or surrounding blanks."""
    if not 0 < len(name) <= MAX_DATABASE_NAME or not name.isprintable() or \
            any(c in name for c in "[],") or name != name.strip():
        raise BadName(f"database name {name[:40]!r} is not valid: 1 to {MAX_DATABASE_NAME} "
                      f"printable characters, no '[', ']', ',' or surrounding blanks")
    return name


def _backup_id(value: str, number: int) -> str:
    if not BACKUP_ID.fullmatch(value):
        raise LogListError(f"line {number}: {value[:40]!r} is not a 10-digit backup ID")
    return value


def parse(text: str) -> tuple[LogListSection, ...]:
    """The sections of list file ``text`` (see the module docstring)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise LogListError(f"the file is longer than {MAX_BYTES} bytes")
    sections: list[LogListSection] = []
    header: tuple[str, str] | None = None
    database: str | None = None
    files: list[str] = []
    total = 0

    def close() -> None:
        if database is not None and header is not None:
            sections.append(LogListSection(header[0], header[1], database, tuple(files)))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if (found := _HEADER.fullmatch(line)) is not None:
            close()
            header = (_backup_id(found.group(1), number),
                      _backup_id(found.group(2), number) if found.group(2) is not None else "")
            database, files = None, []
        elif line.startswith("#") or _MESSAGE.fullmatch(line):
            continue
        elif (found := _BACKUP_LINE.fullmatch(line)) is not None:
            if header is None or database is not None or header[1]:
                raise LogListError(f"line {number}: BACKUP-ID without its ORIGINAL-ID header")
            header = (header[0], _backup_id(found.group(1), number))
        elif (found := _SECTION.fullmatch(line)) is not None:
            if header is None:
                raise LogListError(f"line {number}: a [database] section before any header")
            if database is not None:
                close()
                files = []
            try:
                database = check_database_name(found.group(1))
            except BadName as error:
                raise LogListError(f"line {number}: {error}") from None
            if len(sections) >= MAX_SECTIONS:
                raise LogListError(f"more than {MAX_SECTIONS} sections")
        else:
            if database is None:
                raise LogListError(f"line {number}: a file before any [database] section")
            try:
                files.append(check_path(line, "log backup file"))
            except BadName as error:
                raise LogListError(f"line {number}: {error}") from None
            total += 1
            if total > MAX_FILES:
                raise LogListError(f"more than {MAX_FILES} log backup files")
    close()
    return tuple(sections)


def _listable(path: str) -> str:
    """``path`` when a list file can hold it as one line that reads back as a file."""
    check_path(path, "log backup file")
    if not path.isprintable() or path != path.strip() or path[0] in "#[" or \
            _BACKUP_LINE.fullmatch(path) or _SECTION.fullmatch(path) or _MESSAGE.fullmatch(path):
        raise LogListError(f"the file name {path[:60]!r} cannot stand in a list file")
    return path


def render(sections: tuple[LogListSection, ...] | list[LogListSection],
           one_line_header: bool = False) -> str:
    """The list file of ``sections``, in the manual's two-line header form (or one-line)."""
    lines: list[str] = []
    for section in sections:
        for value in (section.original_id, section.backup_id):
            if value and not BACKUP_ID.fullmatch(value) or not section.original_id:
                raise LogListError(f"{value[:40]!r} is not a 10-digit backup ID")
        if one_line_header and section.backup_id:
            lines.append(f"# ORIGINAL-ID: {section.original_id} BACKUP-ID: {section.backup_id}")
        else:
            lines.append(f"# ORIGINAL-ID:{section.original_id}")
            if section.backup_id:
                lines.append(f"BACKUP-ID:{section.backup_id}")
        lines.append(f"[{check_database_name(section.database)}]")
        lines.extend(_listable(path) for path in section.files)
    return "\n".join(lines) + ("\n" if lines else "")
