"""Checking parsed lab data into a ``Lab``, with errors that name file, line and key.

``lab_from_data`` is shared by both lab sources (``loader`` for TOML files, ``horcm`` for
horcm directories); any problem raises ``LabError`` listing every problem found.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from adapters.files import LAB_FILE_LIMIT, read_text_limited
from adapters.lab.model import Lab, check_lab


class LabError(Exception):
    """A lab definition that cannot be used; ``problems`` are ``file:line: key: message`` texts."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def read_lab_text(path: Path) -> str:
    """The text of one lab file, or ``LabError`` (unreadable, too large, not UTF-8)."""
    try:
        return read_text_limited(path, LAB_FILE_LIMIT, "lab file")
    except OSError as error:
        raise LabError([f"{path}: cannot read: {error.strerror or error}"]) from None
    except ValueError as error:
        raise LabError([str(error)]) from None


def parse_toml(text: str, path: Path) -> dict:
    """Parsed TOML, or ``LabError`` (invalid, or nested too deeply to parse)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LabError([f"{path}: invalid TOML: {error}"]) from None
    except RecursionError:
        raise LabError([f"{path}: invalid TOML: nested too deeply"]) from None


def key_text(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def locate(text: str, loc: tuple) -> int | None:
    """The 1-based line of the key ``loc`` (e.g. ``("copy_groups", 2, "mu")``) in TOML ``text``."""
    lines = text.splitlines()
    start, found, tables = 0, None, []
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if not isinstance(part, str):
            continue
        if parts and isinstance(parts[0], int):
            tables.append(part)
            header, wanted, count = ".".join(tables), parts.pop(0), -1
            for n in range(start, len(lines)):
                if lines[n].strip() == f"[[{header}]]":
                    count += 1
                    if count == wanted:
                        start, found = n + 1, n + 1
                        break
            else:
                return found
            continue
        pattern = re.compile(rf"^\s*{re.escape(part)}\s*=")
        for n in range(start, len(lines)):
            stripped = lines[n].strip()
            if stripped.startswith("[") and n > start and found is not None and not parts:
                break
            if pattern.match(lines[n]) or stripped == f"[{'.'.join(tables + [part])}]":
                start, found = n + 1, n + 1
                tables.append(part)
                break
        else:
            return found
    return found


def lab_from_data(data: dict, source: str, text: str = "") -> Lab:
    """Validate parsed lab data; ``source`` and ``text`` only serve the error messages."""
    def where(loc: tuple) -> str:
        line = locate(text, loc) if text else None
        return f"{source}:{line}" if line else source

    try:
        lab = Lab.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
            problems.append(f"{where(loc)}: {key_text(loc)}: {message}")
        raise LabError(problems) from None
    problems = [f"{where(loc)}: {key_text(loc)}: {message}" for loc, message in check_lab(lab)]
    if problems:
        raise LabError(problems)
    return lab
