"""Option values of the SQL Server commands, checked before anything is sent: database lists
(``-target db1,db2``, ``-f <file>``) and drmsqlinit's answers. Bad input is a usage error
(``KAVX0006-E`` with ``DRM-90100``); pure but for reading the ``-f`` file.
"""
from __future__ import annotations

import re
from pathlib import Path

from adapters.files import LIST_FILE_LIMIT, read_text_limited
from events.limits import APP_TIMEOUT_MAX
from events.names import BadName, check_path
from events.sql_commands import MAX_SQL_DATABASES, SQL_NAME
from services.cli.entries import usage_error

NAME = re.compile(SQL_NAME)


def check_sql_name(value: str, what: str = "database") -> str:
    if not NAME.fullmatch(value):
        raise usage_error(f"the {what} name {value[:80]!r} is invalid: 1 to 64 letters, digits, "
                          "_, $ or -")
    return value


def split_databases(value: str) -> tuple[str, ...]:
    """``-target db1,db2``: names, duplicates dropped (case-insensitive), at most 64."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    if not names:
        raise usage_error("-target names no database")
    return _checked(names)


def read_database_file(path: Path) -> tuple[str, ...]:
    """A target definition file (``-f``): one database name per line (``#`` comments)."""
    try:
        text = read_text_limited(path, LIST_FILE_LIMIT, "the target definition file")
    except (OSError, ValueError) as error:
        raise usage_error(f"the target definition file {path} cannot be read: {error}") from None
    names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    names = [name for name in names if name]
    if not names:
        raise usage_error(f"the target definition file {path} names no database")
    return _checked(names)


def _checked(names: list[str]) -> tuple[str, ...]:
    unique = list({n.lower(): check_sql_name(n) for n in reversed(names)}.values())[::-1]
    if len(unique) > MAX_SQL_DATABASES:
        raise usage_error(f"{len(unique)} databases: at most {MAX_SQL_DATABASES} per "
                          "drmsqlbackup; run it again for the others")
    return tuple(unique)


def parse_vdi_timeout(value: str) -> int:
    """drmsqlinit's second answer: whole seconds, 0 to 3600."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or int(text) > APP_TIMEOUT_MAX:
        raise usage_error(f"the VDI generation timeout {value[:40]!r} is invalid: whole seconds "
                          f"between 0 and {APP_TIMEOUT_MAX}")
    return int(text)


def parse_directory(value: str, what: str) -> str:
    """A drmsqlinit directory answer: blank (not registered) or a path."""
    text = value.strip()
    if not text:
        return ""
    try:
        return check_path(text, what)
    except BadName as error:
        raise usage_error(str(error)) from None
