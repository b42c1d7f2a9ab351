"""The user script file (``-script <file>``) parsed as the manual writes it (spec 03 §5.2–5.5,
Tables 3-58, 3-59, 3-61), into ``events.user_script.UserScript``.

Rules: ASCII only (TAB, CR, LF the only control codes); lines up to 8 KB; a line whose first
non-blank character is ``#`` is a comment (a ``#`` later in a line is part of the value); names
are case-insensitive and separated from the value by ``=`` with optional blanks; a name with no
value is an error; ``LOCAL_BACKUP`` comes before anything else (``NO`` counts as ``YES`` for a
file system); each section once; ``[CMD]`` only inside a section, each item once per ``[CMD]``
(``ENV`` repeatable), ``CMDLINE`` required; ``CMDLINE`` names its command by absolute path
without variables; the product's commands only where Table 3-61 allows them. Every error is a
``ScriptError`` naming the line; the file is read with a size limit.
"""
from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from adapters.files import LIST_FILE_LIMIT, read_limited
from events.user_script import (DEFAULT_TIMEOUT, MAX_CMDLINE, MAX_ENV, MAX_TIMEOUT, SECTIONS,
                                ScriptCommand, UserScript)
from services import messages
from services.cli.errors import CliError

MAX_LINE = 8192
ITEMS = ("CMDLINE", "ENV", "END_CODE", "TIMEOUT", "LOCATION", "PARENT_STAT")
_ITEM = re.compile(r"^([A-Za-z_]+)[ \t]*=[ \t]*(.*)$")
_SECTION = re.compile(r"^\[([A-Za-z_]+)\]$")
_FIELDS = {"PRE_PROC": "pre", "RESYNC_PROC": "resync", "SPLIT_PROC": "split",
           "FINISH_PROC": "finish", "POST_PROC": "post"}
# Table 3-61: the product's commands allowed per (section, location); "-refresh" never
ALLOWED = {
    ("PRE_PROC", "LOCAL"): {"drmfscat", "drmfsdisplay", "drmcgctl", "drmhostinfo"},
    ("PRE_PROC", "REMOTE"): {"drmfscat", "drmcgctl", "drmhostinfo", "drmmount", "drmtapecat",
                             "drmumount"},
    ("POST_PROC", "LOCAL"): {"drmfscat", "drmfsdisplay", "drmcgctl", "drmhostinfo"},
    ("POST_PROC", "REMOTE"): {"drmfscat", "drmcgctl", "drmdbexport", "drmhostinfo", "drmmount",
                              "drmtapecat", "drmumount"},
}


class ScriptError(ValueError):
    """A user script file the manual's rules refuse."""


def script_error(path: Path, text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR,
                    messages.error_text(messages.SCRIPT_PROBLEM, f"{path}: {text}"))


def read_script(path: Path) -> UserScript:
    """The checked user script at ``path``; any problem is a CLI error naming file and line."""
    try:
        data = read_limited(path, LIST_FILE_LIMIT, "the user script file")
    except (OSError, ValueError) as error:
        raise script_error(path, f"cannot be read: {error}") from None
    try:
        return parse_script(data)
    except ScriptError as error:
        raise script_error(path, str(error)) from None


def split_cmdline(text: str) -> tuple[str, ...]:
    """Words separated by spaces; ``"`` quotes a word with spaces (no nesting)."""
    words, current, quoted, started = [], [], False, False
    for char in text:
        if char == '"':
            quoted, started = not quoted, True
        elif char in " \t" and not quoted:
            if started:
                words.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if quoted:
        raise ScriptError("CMDLINE: a quote is not closed")
    if started:
        words.append("".join(current))
    return tuple(words)


class _Builder:
    def __init__(self) -> None:
        self.local_backup: bool | None = None
        self.sections: dict[str, list[dict]] = {}
        self.section: str | None = None
        self.command: dict | None = None

    def item(self, number: int, name: str, value: str) -> None:
        if name == "LOCAL_BACKUP":
            if self.local_backup is not None or self.sections:
                raise ScriptError(f"line {number}: LOCAL_BACKUP must come first, once")
            if value.upper() not in ("YES", "NO"):
                raise ScriptError(f"line {number}: LOCAL_BACKUP must be YES or NO")
            # kept as written: drmsqlbackup needs it (issue 13); drmfsbackup never reads it, so
            # NO counts as YES for a file system (Table 3-59)
            self.local_backup = value.upper() == "YES"
            return
        if self.local_backup is None:
            raise ScriptError(f"line {number}: LOCAL_BACKUP must come before {name}")
        if name not in ITEMS:
            raise ScriptError(f"line {number}: unknown item {name}")
        if self.command is None:
            raise ScriptError(f"line {number}: {name} is outside a [CMD]")
        if name == "ENV":
            self.command.setdefault("ENV", []).append((number, value))
        elif name in self.command:
            raise ScriptError(f"line {number}: {name} given twice in one [CMD]")
        else:
            self.command[name] = (number, value)

    def header(self, number: int, name: str) -> None:
        if self.local_backup is None:
            raise ScriptError(f"line {number}: LOCAL_BACKUP must come before [{name}]")
        if name == "CMD":
            if self.section is None:
                raise ScriptError(f"line {number}: [CMD] is outside a section")
            self.command = {"line": number}
            self.sections[self.section].append(self.command)
        elif name in SECTIONS:
            if name in self.sections:
                raise ScriptError(f"line {number}: [{name}] given twice")
            self.section, self.command = name, None
            self.sections[name] = []
        else:
            raise ScriptError(f"line {number}: unknown section [{name}]")


def parse_script(data: bytes) -> UserScript:
    """Parse the bytes of a user script file (see the module docstring)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ScriptError("the file is not ASCII") from None
    builder = _Builder()
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if len(line) > MAX_LINE:
            raise ScriptError(f"line {number}: longer than {MAX_LINE} bytes")
        if any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7f for c in line):
            raise ScriptError(f"line {number}: a control character")
        stripped = line.strip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        if section := _SECTION.match(stripped):
            builder.header(number, section.group(1).upper())
            continue
        item = _ITEM.match(stripped)
        if item is None:
            raise ScriptError(f"line {number}: expected NAME=value or [SECTION]")
        name, value = item.group(1).upper(), item.group(2).rstrip(" \t")
        if not value:
            raise ScriptError(f"line {number}: {name} has no value")
        builder.item(number, name, value)
    if builder.local_backup is None:
        raise ScriptError("LOCAL_BACKUP is missing")
    sections = {_FIELDS[name]: tuple(_command(name, c) for c in commands)
                for name, commands in builder.sections.items()}
    try:
        return UserScript(local_backup=builder.local_backup, **sections)
    except ValidationError as error:
        raise ScriptError(f"{error.errors()[0]['loc']}: {error.errors()[0]['msg']}") from None


def _command(section: str, raw: dict) -> ScriptCommand:
    where = f"[CMD] of line {raw['line']}"
    if "CMDLINE" not in raw:
        raise ScriptError(f"{where}: CMDLINE is missing")
    number, cmdline = raw["CMDLINE"]
    if len(cmdline) > MAX_CMDLINE:
        raise ScriptError(f"line {number}: CMDLINE is longer than {MAX_CMDLINE} characters")
    argv = split_cmdline(cmdline)
    if not argv or not argv[0].startswith("/") or re.search(r"[%$]", argv[0]):
        raise ScriptError(f"line {number}: CMDLINE must name its command by absolute path, "
                          f"without variables")
    location = _choice(raw, "LOCATION", ("LOCAL", "REMOTE"), "LOCAL")
    parent = _choice(raw, "PARENT_STAT", ("NORMAL", "ERROR", "ANY"), "NORMAL")
    if section not in ("PRE_PROC", "POST_PROC"):  # fixed in the SQL-only sections
        location, parent = "LOCAL", "NORMAL"
    _check_product_command(section, location, argv, number)
    return ScriptCommand(cmdline=cmdline, argv=argv, env=_env(raw.get("ENV", [])),
                         end_code=_end_code(raw), timeout=_timeout(raw), location=location,
                         parent_stat=parent)


def _choice(raw: dict, name: str, allowed: tuple[str, ...], default: str) -> str:
    if name not in raw:
        return default
    number, value = raw[name]
    if value.upper() not in allowed:
        raise ScriptError(f"line {number}: {name} must be one of {', '.join(allowed)}")
    return value.upper()


def _end_code(raw: dict):
    if "END_CODE" not in raw:
        return "TERMINATE_NZ"
    number, value = raw["END_CODE"]
    if value.upper() in ("TERMINATE_NZ", "IGNORE"):
        return value.upper()
    if value.isdigit() and len(value) <= 3 and int(value) <= 255:
        return int(value)
    raise ScriptError(f"line {number}: END_CODE must be TERMINATE_NZ, IGNORE or 0-255")


def _timeout(raw: dict) -> int | None:
    if "TIMEOUT" not in raw:
        return DEFAULT_TIMEOUT
    number, value = raw["TIMEOUT"]
    if value.upper() == "NOWAIT":
        return None
    if value.isdigit() and len(value) <= 5 and int(value) <= MAX_TIMEOUT:
        return int(value)
    raise ScriptError(f"line {number}: TIMEOUT must be NOWAIT or 0-{MAX_TIMEOUT}")


def _env(entries: list[tuple[int, str]]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for number, value in entries:
        if len(value) > MAX_ENV:
            raise ScriptError(f"line {number}: ENV is longer than {MAX_ENV} characters")
        name, equals, setting = value.partition("=")
        if not equals or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}", name):
            raise ScriptError(f"line {number}: ENV must be NAME=VALUE")
        pairs.append((name, setting))
    return tuple(pairs)


def _check_product_command(section: str, location: str, argv: tuple[str, ...],
                           number: int) -> None:
    program = Path(argv[0]).name.lower().removesuffix(".exe")
    if not program.startswith("drm") and program != "drm":
        return
    if program == "drm" and len(argv) > 1:  # drm <name> …: the console form of drm<name>
        program = "drm" + argv[1].lower()
    allowed = ALLOWED.get((section, location), set())
    if program not in allowed:
        raise ScriptError(f"line {number}: {program} may not run in [{section}] with "
                          f"LOCATION={location} (Table 3-61)")
    if "-refresh" in argv:
        raise ScriptError(f"line {number}: -refresh may not be used in a user script")
