"""The bytes of a simulated database: data files, the log file and log backup files.

A **data file** is a 64-byte header page (magic, database ID, the page LSN = the last
transaction it holds, its row count, the highest row number, and a CRC-32 of the rows after it)
followed by 32-byte rows ``(row number, LSN, table)``. A **log file** is a 32-byte header
(magic, database ID, the first LSN it still holds) followed by log records, one per committed
transaction: ``(LSN, first row, row count, table, CRC-32)``. A transaction is written log
first, then the rows, then the data header: a copy of the files taken while a writer runs can
catch them at different LSNs (a torn copy), which ``check_consistency`` detects; a copy taken
under a freeze cannot.

A **log backup** file is a text header line (JSON) followed by the log records it covers.
"""
from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

DATA_MAGIC, LOG_MAGIC, BACKUP_MAGIC = b"SIMMDF01", b"SIMLDF01", b"SIMLOGBK1"
DATA_HEADER = struct.Struct("<8sIQQQI24x")  # magic, db id, page LSN, rows, max row, body CRC
ROW = struct.Struct("<QQ16s")  # row number, LSN, table
LOG_HEADER = struct.Struct("<8sIQ12x")  # magic, db id, first LSN held
RECORD = struct.Struct("<QQQ16sI")  # LSN, first row, row count, table, CRC of the rest
MAX_BACKUP_HEADER = 4096


class PageError(Exception):
    """A file that is missing, not ours, or damaged; the text says which and how."""


@dataclass(frozen=True)
class DataHeader:
    database_id: int
    page_lsn: int
    rows: int
    max_row: int
    crc: int


@dataclass(frozen=True)
class LogRecord:
    lsn: int
    first_row: int
    count: int
    table: str

    def pack(self) -> bytes:
        body = struct.pack("<QQQ16s", self.lsn, self.first_row, self.count, _table(self.table))
        return body + struct.pack("<I", zlib.crc32(body))


def _table(name: str) -> bytes:
    return name.encode("ascii")[:16].ljust(16, b"\0")


def create_data_file(path: Path, database_id: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(DATA_HEADER.pack(DATA_MAGIC, database_id, 0, 0, 0, 0))


def create_log_file(path: Path, database_id: int, first_lsn: int = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(LOG_HEADER.pack(LOG_MAGIC, database_id, first_lsn))


def read_data_header(path: Path) -> DataHeader:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(DATA_HEADER.size)
    except OSError as error:
        raise PageError(f"data file {path}: {error.strerror or error}") from None
    if len(raw) != DATA_HEADER.size or raw[:8] != DATA_MAGIC:
        raise PageError(f"data file {path}: not a data file (bad header page)")
    _, database_id, page_lsn, rows, max_row, crc = DATA_HEADER.unpack(raw)
    return DataHeader(database_id, page_lsn, rows, max_row, crc)


def append_rows(path: Path, lsn: int, rows: Iterable[int], table: str) -> None:
    """Append ``rows`` at ``lsn``, then rewrite the header page (rows first: the order that
    makes an unfrozen copy detectably torn)."""
    header = read_data_header(path)
    chunk = b"".join(ROW.pack(row, lsn, _table(table)) for row in rows)
    count = len(chunk) // ROW.size
    max_row = max([header.max_row] + [ROW.unpack_from(chunk, i * ROW.size)[0] for i in range(count)])
    with open(path, "r+b") as handle:
        handle.seek(DATA_HEADER.size + header.rows * ROW.size)
        handle.write(chunk)
        handle.truncate()
        handle.seek(0)
        handle.write(DATA_HEADER.pack(DATA_MAGIC, header.database_id, lsn, header.rows + count,
                                      max_row, zlib.crc32(chunk, header.crc)))


def read_rows(path: Path) -> Iterator[tuple[int, int, str]]:
    """Every row of a data file as ``(row number, LSN, table)``."""
    header = read_data_header(path)
    with open(path, "rb") as handle:
        handle.seek(DATA_HEADER.size)
        body = handle.read(header.rows * ROW.size)
    for offset in range(0, len(body) - len(body) % ROW.size, ROW.size):
        row, lsn, table = ROW.unpack_from(body, offset)
        yield row, lsn, table.rstrip(b"\0").decode("ascii", "replace")


def data_problems(path: Path) -> list[str]:
    """What is wrong with a data file on its own (header vs rows); empty when sound."""
    try:
        header = read_data_header(path)
    except PageError as error:
        return [str(error)]
    with open(path, "rb") as handle:
        handle.seek(DATA_HEADER.size)
        body = handle.read()
    if len(body) != header.rows * ROW.size:
        return [f"data file {path}: {len(body) // ROW.size} rows on the pages, "
                f"{header.rows} in the header page"]
    if zlib.crc32(body) != header.crc:
        return [f"data file {path}: rows do not match the header page checksum"]
    return []


def log_first_lsn(path: Path) -> int:
    try:
        raw = path.read_bytes()[:LOG_HEADER.size]
    except OSError as error:
        raise PageError(f"log file {path}: {error.strerror or error}") from None
    if len(raw) != LOG_HEADER.size or raw[:8] != LOG_MAGIC:
        raise PageError(f"log file {path}: not a log file (bad header)")
    return LOG_HEADER.unpack(raw)[2]


def parse_records(raw: bytes, where: str) -> list[LogRecord]:
    """Log records from ``raw``; a partial or damaged record raises ``PageError``."""
    if len(raw) % RECORD.size:
        raise PageError(f"{where}: a partial log record at the end")
    out = []
    for offset in range(0, len(raw), RECORD.size):
        lsn, first, count, table, crc = RECORD.unpack_from(raw, offset)
        if zlib.crc32(raw[offset:offset + RECORD.size - 4]) != crc:
            raise PageError(f"{where}: log record at offset {offset} is damaged")
        out.append(LogRecord(lsn, first, count, table.rstrip(b"\0").decode("ascii", "replace")))
    return out


def read_log(path: Path) -> tuple[int, list[LogRecord]]:
    """``(first LSN held, records)`` of a log file."""
    first = log_first_lsn(path)
    return first, parse_records(path.read_bytes()[LOG_HEADER.size:], f"log file {path}")


def append_log(path: Path, record: LogRecord) -> None:
    with open(path, "ab") as handle:
        handle.write(record.pack())


def truncate_log(path: Path, database_id: int, keep_from: int) -> None:
    """Drop the records before ``keep_from`` (they are backed up)."""
    _, records = read_log(path)
    kept = b"".join(r.pack() for r in records if r.lsn >= keep_from)
    tmp = path.with_name(path.name + ".trunc")
    tmp.write_bytes(LOG_HEADER.pack(LOG_MAGIC, database_id, keep_from) + kept)
    os.replace(tmp, path)


def write_log_backup(path: Path, header: dict, records: list[LogRecord]) -> bytes:
    """Write a log backup file (no overwrite) and return its bytes."""
    head = json.dumps(header, sort_keys=True).encode()
    raw = BACKUP_MAGIC + b" " + head + b"\n" + b"".join(r.pack() for r in records)
    with open(path, "xb") as handle:
        handle.write(raw)
    return raw


def read_log_backup(raw: bytes, where: str) -> tuple[dict, list[LogRecord]]:
    line_end = raw.find(b"\n", 0, MAX_BACKUP_HEADER)
    if not raw.startswith(BACKUP_MAGIC + b" ") or line_end < 0:
        raise PageError(f"{where}: not a log backup")
    try:
        header = json.loads(raw[len(BACKUP_MAGIC) + 1:line_end])
    except ValueError:
        raise PageError(f"{where}: damaged log backup header") from None
    if not isinstance(header, dict):
        raise PageError(f"{where}: damaged log backup header")
    return header, parse_records(raw[line_end + 1:], where)


def copy_problems(data_paths: list[Path], log_path: Path) -> list[str]:
    """Why a set of database files is not one consistent point in time (a torn copy): a data
    file damaged on its own, a data page LSN the log does not reach or that lags the log, or a
    logged row missing from the data. Empty when consistent."""
    problems = [p for path in data_paths for p in data_problems(path)]
    if problems:
        return problems
    try:
        first, records = read_log(log_path)
    except PageError as error:
        return [str(error)]
    log_end = records[-1].lsn if records else first - 1
    page_lsns = [read_data_header(path).page_lsn for path in data_paths]
    if max(page_lsns, default=0) != log_end:
        return [f"data pages at LSN {max(page_lsns, default=0)}, the log ends at {log_end}"]
    present = {(row, lsn) for path in data_paths for row, lsn, _ in read_rows(path) if lsn >= first}
    logged = {(row, r.lsn) for r in records for row in range(r.first_row, r.first_row + r.count)}
    if present != logged:
        return [f"{len(logged - present)} logged rows missing from the data, "
                f"{len(present - logged)} rows not in the log"]
    return []
