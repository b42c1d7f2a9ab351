"""The manual's ``init.conf`` (spec 02 §3, §5): the keys a cluster needs, read leniently.

Format (the manual's): ``KEY=value``, one per line. "A missing file or an invalid value: the
default is used", so a value that does not parse is not an error here: the default is taken
and a warning says which line and why (``InitConf.warnings``; the caller logs them). What is an
error (``InitConfError``) is a file that cannot be read as text at all: not UTF-8, larger than
``INIT_CONF_LIMIT`` bytes, a line longer than ``LINE_LIMIT`` or more than ``LINES_LIMIT``
lines.

Every parameter the manual lists (spec 02 §3, spec 07 §1.5; Tables 3-2 to 3-16):

| key                | values (default)   | meaning                                              |
|--------------------|--------------------|------------------------------------------------------|
| ``LOGLEVEL``       | 0 1 2 3 9 (3)      | detail of ``drm_pp_trace<n>.log``: 0 errors, 1 +     |
|                    |                    | warnings, 2 + notices, 3 + information, 9 all        |
| ``PP_LOGFILE_NUM`` | 2-16 (2)           | number of ``drm_pp_trace<n>.log`` files (10 MB each) |
| ``CLU_RETRY_TIME`` | 0-3600 (0)         | checks of the cluster resource after switching it;   |
|                    |                    | 0 = retry for ever                                   |
| ``CLU_RETRY_WAIT`` | 0-3600 (1), s      | wait between those checks                            |
| ``SVC_RETRY_TIME`` | 0-3600 (0)         | checks of a DBMS service's process (cold backup)     |
| ``SVC_RETRY_WAIT`` | 0-3600 (1), s      | wait between those checks                            |
| ``COM_RETRY_TIME`` | 0-3600 (0)         | checks for a conflicting command to end; 0 = ever    |
| ``COM_RETRY_WAIT`` | 0-3600 (10), s     | wait between those checks                            |
| ``SQL_QUICK_BACKUP``| 0 / 1 (0)         | skip SQL Server's database status check              |
| ``DRM_DB_SYNC``    | YES / NO (YES)     | update the dictionary map synchronously              |
| ``SQL_CHECKDB``    | YES / NO (NO)      | DBCC CHECKDB after drmsqlrecover (not YES = NO)      |
| ``CLU_MSCS_RESTORE``| ONLINE / OFFLINE  | restore with the cluster resources online or offline |
|                    | (OFFLINE)          | (empty = OFFLINE)                                    |
| ``VERIFY_PARALLEL_COUNT`` | 1-32 (1)    | Exchange VSS verifications run in parallel           |
| ``SERVICE_TIMEOUT``| 0-10080 (1440) min | the caller's timeout towards the agent service; 0 none|
| ``RESPONSE_TIMEOUT``| 0-10080 (1296) min| the service's own limit per request; 0 none          |
| ``DRM_DB_PATH``    | ``dir`` or         | where the dictionary maps and catalog of the host, or|
|                    | ``dir;vserver``    | of one virtual server, live; repeatable; the last    |
|                    |                    | lines of the file, each ended by a linefeed, absolute|

A key the manual does not list is kept in ``other`` (raw) and warned about. A line whose first
non-blank character is ``#`` is a comment (the manual's ``mail.conf``, "same format as
init.conf", and its samples comment that way).

A ``DRM_DB_PATH`` line that breaks the manual's rules (not absolute, not the last lines, no
final linefeed, a virtual server name that is not a host name) is left out, with a warning.
Paths are POSIX here (the manual's ``H:\\PTM`` is a Windows path); the caller confines them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from adapters.files import FileTooLarge, read_limited
from events.names import BadName, check

INIT_CONF_LIMIT = 64 << 10  # bytes
LINE_LIMIT = 4096  # characters per line
LINES_LIMIT = 1000
RETRY_MAX = 3600
DB_PATH_KEY = "DRM_DB_PATH"
_NUMBER = re.compile(r"[0-9]{1,5}")
NUMBERS: dict[str, tuple[int, int, int]] = {  # key: (lowest, highest, default)
    "CLU_RETRY_TIME": (0, RETRY_MAX, 0), "CLU_RETRY_WAIT": (0, RETRY_MAX, 1),
    "SVC_RETRY_TIME": (0, RETRY_MAX, 0), "SVC_RETRY_WAIT": (0, RETRY_MAX, 1),
    "COM_RETRY_TIME": (0, RETRY_MAX, 0), "COM_RETRY_WAIT": (0, RETRY_MAX, 10),
    "PP_LOGFILE_NUM": (2, 16, 2), "VERIFY_PARALLEL_COUNT": (1, 32, 1),
    "SERVICE_TIMEOUT": (0, 10080, 1440), "RESPONSE_TIMEOUT": (0, 10080, 1296),
}
LOGLEVELS = (0, 1, 2, 3, 9)
CHOICES: dict[str, tuple[tuple[str, ...], str]] = {  # key: (allowed, default)
    "LOGLEVEL": (tuple(map(str, LOGLEVELS)), "3"), "SQL_QUICK_BACKUP": (("0", "1"), "0"),
    "DRM_DB_SYNC": (("YES", "NO"), "YES"),
}
KNOWN_KEYS = frozenset({*NUMBERS, *CHOICES, "SQL_CHECKDB", "CLU_MSCS_RESTORE", DB_PATH_KEY})
_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


class InitConfError(ValueError):
    """An ``init.conf`` that cannot be read as text; the message names the file and why."""


@dataclass(frozen=True)
class ClusterRetry:
    """``CLU_RETRY_TIME`` checks after the first (0 = for ever), ``CLU_RETRY_WAIT`` s apart."""

    retry_time: int = 0
    retry_wait: float = 1.0


@dataclass(frozen=True)
class RetryPolicy:
    """A ``*_RETRY_TIME`` (checks after the first; 0 = for ever) and ``*_RETRY_WAIT`` (s)."""

    retry_time: int
    retry_wait: float


@dataclass(frozen=True)
class DbPath:
    directory: str
    virtual_server: str | None = None  # None: the physical host's (non-cluster) location


@dataclass(frozen=True)
class InitConf:
    clu_retry: ClusterRetry = ClusterRetry()
    clu_mscs_restore: Literal["ONLINE", "OFFLINE"] = "OFFLINE"
    db_paths: tuple[DbPath, ...] = ()
    other: dict[str, str] = field(default_factory=dict)  # keys the manual does not list, raw
    warnings: tuple[str, ...] = ()
    loglevel: int = 3
    pp_logfile_num: int = 2
    svc_retry: RetryPolicy = RetryPolicy(0, 1.0)
    com_retry: RetryPolicy = RetryPolicy(0, 10.0)
    sql_quick_backup: bool = False
    drm_db_sync: bool = True
    sql_checkdb: bool = False
    verify_parallel_count: int = 1
    service_timeout_min: int = 1440
    response_timeout_min: int = 1296
    digest: str = hashlib.sha256(b"").hexdigest()  # of the file read (of nothing: no file)

    def db_path_for(self, virtual_server: str | None) -> str | None:
        """The first ``DRM_DB_PATH`` directory of ``virtual_server`` (None: the plain one)."""
        wanted = None if virtual_server is None else virtual_server.lower()
        return next((p.directory for p in self.db_paths
                     if (p.virtual_server or "").lower() == (wanted or "")), None)


def load_init_conf(path: Path) -> InitConf:
    """The ``init.conf`` at ``path``; the defaults when there is no file."""
    try:
        data = read_limited(path, INIT_CONF_LIMIT, "init.conf")
    except FileNotFoundError:
        return InitConf()
    except FileTooLarge as error:
        raise InitConfError(str(error)) from None
    except OSError as error:
        raise InitConfError(f"init.conf {path} cannot be read: {error.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InitConfError(f"init.conf {path} is not UTF-8 text (byte {error.start})") from None
    return parse_init_conf(text, str(path))


def parse_init_conf(text: str, name: str = "init.conf") -> InitConf:
    """``text`` read by the rules of the module docstring."""
    lines = text.replace("\r\n", "\n").split("\n")
    ended = lines[-1] == ""
    if ended:
        lines.pop()
    if len(lines) > LINES_LIMIT:
        raise InitConfError(f"{name} has more than {LINES_LIMIT} lines")
    warnings: list[str] = []
    values: dict[str, tuple[int, str]] = {}
    db_lines: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if len(line) > LINE_LIMIT:
            raise InitConfError(f"{name} line {number} is longer than {LINE_LIMIT} characters")
        if not line.strip() or line.lstrip(" \t").startswith("#"):  # blank, comment
            continue
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or _KEY.fullmatch(key) is None:
            warnings.append(f"{name} line {number}: not KEY=value; ignored")
            continue
        if key == DB_PATH_KEY:
            db_lines.append((number, value))
            continue
        if db_lines:
            warnings.append(f"{name} line {number}: {key} after {DB_PATH_KEY} (which must be "
                            f"the last lines); read anyway")
        if key in values:
            warnings.append(f"{name} line {number}: {key} given again; this value counts")
        values[key] = (number, value.strip())
    number = {key: _number(values, key, name, warnings) for key in NUMBERS}
    choice = {key: _choice(values, key, name, warnings) for key in CHOICES}
    retry = ClusterRetry(number["CLU_RETRY_TIME"], float(number["CLU_RETRY_WAIT"]))
    restore = _restore_mode(values, name, warnings)
    db_paths = _db_paths(db_lines, len(lines), ended, name, warnings)
    other = {key: value for key, (_, value) in values.items() if key not in KNOWN_KEYS}
    for key in other:
        warnings.append(f"{name} line {values[key][0]}: {key} is not a parameter of init.conf; "
                        f"ignored")
    return InitConf(
        retry, restore, db_paths, other, tuple(warnings),
        loglevel=int(choice["LOGLEVEL"]), pp_logfile_num=number["PP_LOGFILE_NUM"],
        svc_retry=RetryPolicy(number["SVC_RETRY_TIME"], float(number["SVC_RETRY_WAIT"])),
        com_retry=RetryPolicy(number["COM_RETRY_TIME"], float(number["COM_RETRY_WAIT"])),
        sql_quick_backup=choice["SQL_QUICK_BACKUP"] == "1",
        drm_db_sync=choice["DRM_DB_SYNC"] == "YES",
        sql_checkdb=values.get("SQL_CHECKDB", (0, ""))[1] == "YES",
        verify_parallel_count=number["VERIFY_PARALLEL_COUNT"],
        service_timeout_min=number["SERVICE_TIMEOUT"],
        response_timeout_min=number["RESPONSE_TIMEOUT"],
        digest=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())


def _number(values, key: str, name: str, warnings: list[str]) -> int:
    lowest, highest, default = NUMBERS[key]
    if key not in values:
        return default
    number, text = values[key]
    if _NUMBER.fullmatch(text) and lowest <= int(text) <= highest:
        return int(text)
    warnings.append(f"{name} line {number}: {key}={text[:40]!r} is not {lowest}-{highest}; "
                    f"the default {default} is used")
    return default


def _choice(values, key: str, name: str, warnings: list[str]) -> str:
    allowed, default = CHOICES[key]
    if key not in values:
        return default
    number, text = values[key]
    if text in allowed:
        return text
    warnings.append(f"{name} line {number}: {key}={text[:40]!r} is not one of "
                    f"{', '.join(allowed)}; the default {default} is used")
    return default


def _restore_mode(values, name: str, warnings: list[str]) -> Literal["ONLINE", "OFFLINE"]:
    number, text = values.get("CLU_MSCS_RESTORE", (0, ""))
    if text in ("", "OFFLINE"):
        return "OFFLINE"
    if text == "ONLINE":
        return "ONLINE"
    warnings.append(f"{name} line {number}: CLU_MSCS_RESTORE={text[:40]!r} is neither ONLINE "
                    f"nor OFFLINE; OFFLINE is used")
    return "OFFLINE"


def _db_paths(db_lines, last_line: int, ended: bool, name: str,
              warnings: list[str]) -> tuple[DbPath, ...]:
    found = []
    for number, value in db_lines:
        directory, _, server = value.strip().partition(";")
        problem = None
        if number == last_line and not ended:
            problem = "the last line must end with a linefeed"
        elif not directory.startswith("/") or "\x00" in directory:
            problem = "the directory must be an absolute path"
        elif server:
            try:
                check("host", server)
            except BadName as error:
                problem = str(error)
        if problem:
            warnings.append(f"{name} line {number}: {DB_PATH_KEY} left out: {problem}")
            continue
        found.append(DbPath(directory, server or None))
    return tuple(found)
