"""The manual's ``init.conf`` (spec 02 §3, §5): the keys a cluster needs, read leniently.

Format (the manual's): ``KEY=value``, one per line. "A missing file or an invalid value: the
default is used", so a value that does not parse is not an error here: the default is taken
and a warning says which line and why (``InitConf.warnings``; the caller logs them). What is an
error (``InitConfError``) is a file that cannot be read as text at all: not UTF-8, larger than
``INIT_CONF_LIMIT`` bytes, a line longer than ``LINE_LIMIT`` or more than ``LINES_LIMIT``
lines.

Keys read so far (a full reader of every key grows here: ``other`` keeps the rest, unparsed):

| key                | values (default)   | meaning                                              |
|--------------------|--------------------|------------------------------------------------------|
| ``CLU_RETRY_TIME`` | 0-3600 (0)         | checks of the cluster resource after switching it;   |
|                    |                    | 0 = retry for ever                                   |
| ``CLU_RETRY_WAIT`` | 0-3600 (1), s      | wait between those checks                            |
| ``CLU_MSCS_RESTORE``| ONLINE / OFFLINE  | restore with the cluster resources online or offline |
|                    | (OFFLINE)          | (empty = OFFLINE)                                    |
| ``DRM_DB_PATH``    | ``dir`` or         | where the dictionary maps and catalog of the host, or|
|                    | ``dir;vserver``    | of one virtual server, live; repeatable; the last    |
|                    |                    | lines of the file, each ended by a linefeed, absolute|

A ``DRM_DB_PATH`` line that breaks the manual's rules (not absolute, not the last lines, no
final linefeed, a virtual server name that is not a host name) is left out, with a warning.
Paths are POSIX here (the manual's ``H:\\PTM`` is a Windows path); the caller confines them.
"""
from __future__ import annotations

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
_NUMBER = re.compile(r"[0-9]{1,4}")
_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


class InitConfError(ValueError):
    """An ``init.conf`` that cannot be read as text; the message names the file and why."""


@dataclass(frozen=True)
class ClusterRetry:
    """``CLU_RETRY_TIME`` checks after the first (0 = for ever), ``CLU_RETRY_WAIT`` s apart."""

    retry_time: int = 0
    retry_wait: float = 1.0


@dataclass(frozen=True)
class DbPath:
    directory: str
    virtual_server: str | None = None  # None: the physical host's (non-cluster) location


@dataclass(frozen=True)
class InitConf:
    clu_retry: ClusterRetry = ClusterRetry()
    clu_mscs_restore: Literal["ONLINE", "OFFLINE"] = "OFFLINE"
    db_paths: tuple[DbPath, ...] = ()
    other: dict[str, str] = field(default_factory=dict)  # keys not read yet, raw values
    warnings: tuple[str, ...] = ()

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
        if not line.strip():
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
    retry = ClusterRetry(_number(values, "CLU_RETRY_TIME", 0, name, warnings),
                         float(_number(values, "CLU_RETRY_WAIT", 1, name, warnings)))
    restore = _restore_mode(values, name, warnings)
    db_paths = _db_paths(db_lines, len(lines), ended, name, warnings)
    other = {key: value for key, (_, value) in values.items()
             if key not in ("CLU_RETRY_TIME", "CLU_RETRY_WAIT", "CLU_MSCS_RESTORE")}
    return InitConf(retry, restore, db_paths, other, tuple(warnings))


def _number(values, key: str, default: int, name: str, warnings: list[str]) -> int:
    if key not in values:
        return default
    number, text = values[key]
    if _NUMBER.fullmatch(text) and int(text) <= RETRY_MAX:
        return int(text)
    warnings.append(f"{name} line {number}: {key}={text[:40]!r} is not 0-{RETRY_MAX}; "
                    f"the default {default} is used")
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
