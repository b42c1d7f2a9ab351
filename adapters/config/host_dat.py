"""The host environment settings file ``host.dat`` (spec 03 §4.4, Table 3-45).

| key             | values (default)           | may be omitted | meaning                          |
|-----------------|----------------------------|----------------|----------------------------------|
| ``HOST_ROLE``   | ``DB`` / ``BK`` (``DB``)   | no             | file or database server / backup |
|                 |                            |                | server                           |
| ``MAX_LOG_LINES``| 1000–100000 (1000)        | no             | lines of ``drm_script.log``      |
|                 |                            |                | before it turns to ``.old``      |
| ``MSG_OUTPUT``  | ``NORMAL`` / ``DETAIL``    | yes            | print the messages of the basic  |
|                 | (``NORMAL``)               |                | commands an extended one runs    |

Format: as the other definition files (``adapters.config.lines``): ``KEY=value``, blank lines and
``#`` comments skipped, keys not case-sensitive, values as written (upper case). An unknown
key, a key given twice, a missing required key or a value out of range is an error
(``ConfigError``) naming the file, line and key: ``EX_DRM_HOST_DEF_CHECK`` reports them and the
extended commands refuse to run on a file that has any.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from adapters.config.lines import (ConfigError, ConfigText, Problem, decode_config,
                                   numbered_lines, read_config, shown, split_entries)

HOST_DAT = "host.dat"
HOST_DAT_LIMIT = 16 << 10  # bytes
HOST_DAT_LINE_LIMIT = 1024
HOST_DAT_LINES_LIMIT = 200
MAX_LOG_LINES_MIN = 1000
MAX_LOG_LINES_MAX = 100_000
ROLES = ("DB", "BK")
MSG_OUTPUTS = ("NORMAL", "DETAIL")
KEYS = ("HOST_ROLE", "MAX_LOG_LINES", "MSG_OUTPUT")
REQUIRED = ("HOST_ROLE", "MAX_LOG_LINES")


@dataclass(frozen=True)
class HostSettings:
    """``host.dat``, validated; the defaults are the manual's (and its ``host.dat.model``)."""

    host_role: Literal["DB", "BK"] = "DB"
    max_log_lines: int = MAX_LOG_LINES_MIN
    msg_output: Literal["NORMAL", "DETAIL"] = "NORMAL"
    file: str = ""
    digest: str = ""


MODEL_TEXT = "HOST_ROLE=DB\nMAX_LOG_LINES=1000\n"
"""The text of ``host.dat.model`` (what installation creates)."""


def load_host_dat(path: Path) -> HostSettings:
    """``host.dat`` at ``path``; ``FileNotFoundError`` or ``ConfigError`` otherwise."""
    return parse_host_text(read_config(path, "host environment settings file",
                                       limit=HOST_DAT_LIMIT))


def parse_host_dat(text: str, name: str = HOST_DAT) -> HostSettings:
    """``text`` of a host environment settings file (a pure function, for tests)."""
    data = text.encode("utf-8", "surrogatepass")
    return parse_host_text(decode_config(data, name, "host environment settings file"))


def parse_host_text(config: ConfigText) -> HostSettings:
    name = config.name
    lines = numbered_lines(config.text, name, line_limit=HOST_DAT_LINE_LIMIT,
                           lines_limit=HOST_DAT_LINES_LIMIT)
    entries, problems = split_entries(lines, name)
    seen: dict[str, tuple[int, str]] = {}
    for entry in entries:
        if entry.key not in KEYS:
            problems.append(Problem(name, entry.line, entry.key,
                                    "unknown key (the keys are " + ", ".join(KEYS) + ")"))
        elif entry.key in seen:
            problems.append(Problem(name, entry.line, entry.key,
                                    f"given again (first on line {seen[entry.key][0]})"))
        else:
            seen[entry.key] = (entry.line, entry.value)
    for key in REQUIRED:
        if key not in seen:
            problems.append(Problem(name, 0, key, f"missing: {key} cannot be omitted"))
    role = _choice(seen, "HOST_ROLE", ROLES, "DB", name, problems)
    msg_output = _choice(seen, "MSG_OUTPUT", MSG_OUTPUTS, "NORMAL", name, problems)
    max_lines = MAX_LOG_LINES_MIN
    if "MAX_LOG_LINES" in seen:
        line, value = seen["MAX_LOG_LINES"]
        if value.isascii() and value.isdigit() and len(value) <= 6 \
                and MAX_LOG_LINES_MIN <= int(value) <= MAX_LOG_LINES_MAX:
            max_lines = int(value)
        else:
            problems.append(Problem(name, line, "MAX_LOG_LINES", f"{shown(value)} is not an "
                                    f"integer from {MAX_LOG_LINES_MIN} to {MAX_LOG_LINES_MAX}"))
    if problems:
        raise ConfigError(problems)
    return HostSettings(role, max_lines, msg_output, name, config.digest)  # type: ignore[arg-type]


def _choice(seen, key: str, allowed: tuple[str, ...], default: str, name: str,
            problems: list[Problem]) -> str:
    if key not in seen:
        return default
    line, value = seen[key]
    if value in allowed:
        return value
    problems.append(Problem(name, line, key, f"{shown(value)} is not one of "
                                             f"{', '.join(allowed)}"))
    return default
