"""Reading the manual's ``KEY=value`` definition files: one reader, explicit limits, problems
located by file, line and key.

Every definition file of the extended commands (operation definition files, ``host.dat``,
``mail.conf``, ``DEFAULT.dat``, copy parameter files, copy-group list files) is read through
here: ``read_config`` reads at most ``limit`` bytes, decodes them (ASCII or UTF-8, as the file's
kind says) and returns the text with its SHA-256 (``ConfigText.digest``), the content hash a
command's events cite so that an audit can tell which configuration it ran under.
``split_entries`` cuts the text into ``Entry(line, key, value)`` and collects ``Problem``s; a
caller that finds any raises ``ConfigError`` with all of them, never a traceback.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from adapters.files import FileTooLarge, read_limited

DEFAULT_FILE_LIMIT = 64 << 10  # bytes: every definition file is a few hundred bytes
DEFAULT_LINE_LIMIT = 8192  # characters (the manual's user scripts allow 8 KB lines)
DEFAULT_LINES_LIMIT = 2000
KEY_LIMIT = 64  # characters of a key
SHOWN = 60  # characters of a bad value quoted in a problem


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: ``line`` 0 means the file as a whole (a missing key)."""

    file: str
    line: int
    key: str
    text: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.text}" if self.key else f"{where}: {self.text}"


class ConfigError(ValueError):
    """A definition file that breaks the manual's rules; ``problems`` lists every one found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class ConfigText:
    name: str  # the file as problems name it
    text: str
    digest: str  # sha256 of the bytes read, hex


@dataclass(frozen=True)
class Entry:
    line: int
    key: str
    value: str


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_config(path: str | os.PathLike, what: str, *, limit: int = DEFAULT_FILE_LIMIT,
                ascii_only: bool = False) -> ConfigText:
    """The text of ``path``. ``FileNotFoundError`` propagates (a caller decides whether a missing
    file means the defaults); anything else unreadable is a ``ConfigError`` naming the file."""
    name = os.fspath(path)
    try:
        data = read_limited(Path(path), limit, what)
    except FileNotFoundError:
        raise
    except FileTooLarge as error:
        raise ConfigError([Problem(name, 0, "", str(error))]) from None
    except OSError as error:
        raise ConfigError([Problem(name, 0, "", f"{what} cannot be read: "
                                                f"{error.strerror or error}")]) from None
    return decode_config(data, name, what, ascii_only=ascii_only)


def decode_config(data: bytes, name: str, what: str, *, ascii_only: bool = False) -> ConfigText:
    encoding = "ascii" if ascii_only else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ConfigError([Problem(name, line, "", f"{what} is not {encoding.upper()} text "
                                                   f"(byte {error.start})")]) from None
    return ConfigText(name, text, digest_of(data))


def numbered_lines(text: str, name: str, *, line_limit: int = DEFAULT_LINE_LIMIT,
                   lines_limit: int = DEFAULT_LINES_LIMIT) -> list[tuple[int, str]]:
    """``(number, line)`` for each line (LF or CR+LF ends); ``ConfigError`` for a file with
    more than ``lines_limit`` lines or a line longer than ``line_limit`` characters."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > lines_limit:
        raise ConfigError([Problem(name, lines_limit + 1, "",
                                   f"more than {lines_limit} lines")])
    for number, line in enumerate(lines, start=1):
        if len(line) > line_limit:
            raise ConfigError([Problem(name, number, "",
                                       f"longer than {line_limit} characters")])
    return list(enumerate(lines, start=1))


def split_entries(lines: Iterable[tuple[int, str]], name: str, *, comments: bool = True,
                  fold_case: bool = True) -> tuple[list[Entry], list[Problem]]:
    """``KEY=value`` entries: blank lines are skipped, a line whose first non-blank character
    is ``#`` is a comment (when ``comments``); key and value lose surrounding spaces and tabs;
    keys are upper-cased when ``fold_case``. A line without ``=``, or with a key that is empty,
    too long or not printable ASCII, is a problem."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for number, line in lines:
        stripped = line.strip(" \t")
        if not stripped or (comments and stripped.startswith("#")):
            continue
        key, equals, value = stripped.partition("=")
        key = key.strip(" \t")
        if not equals:
            problems.append(Problem(name, number, "", f"not KEY=value: {shown(stripped)}"))
            continue
        if not key or len(key) > KEY_LIMIT or not (key.isascii() and key.isprintable()):
            problems.append(Problem(name, number, "", f"not a key: {shown(key)}"))
            continue
        entries.append(Entry(number, key.upper() if fold_case else key, value.strip(" \t")))
    return entries, problems


def shown(value: str) -> str:
    """``value`` quoted for a problem: unprintables escaped, at most ``SHOWN`` characters."""
    text = value if value.isprintable() else value.encode("unicode_escape").decode("ascii")
    return repr(text if len(text) <= SHOWN else text[:SHOWN - 1] + "…")


def unprintable_problem(value: str) -> str | None:
    if not value.isprintable():
        return "holds a control or other non-printable character"
    return None
