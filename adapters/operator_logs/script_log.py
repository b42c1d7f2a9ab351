"""``script/log/drm_script.log``: the extended commands' trace (spec 07 §1.4, Table 8-5).

One line per record, the manual's nine items separated by `` |``::

    2003/07/31 20:15:11.560 |START |operation1 |FSServer_A |M: |EX_DRM_FS_BACKUP |<ID> The …

time stamp to the millisecond, log type (``START``, ``END``, ``INFO``, ``WARNING``, ``ERROR``,
``DEBUG``, padded to 6), operation ID, server name, instance (``-`` when none), the extended
command's name with its options (the manual's example prints no option column: options, when
there are any, follow the name after a space, masked), then the message. When the file already
holds ``MAX_LOG_LINES`` lines (``host.dat``, 1000-100000) it becomes ``drm_script.log.old``
(overwritten) before the next record. If the script log cannot be written, the record goes to
``drm_output.log`` instead (the manual's fallback).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Literal

from adapters.config.host_dat import MAX_LOG_LINES_MAX, MAX_LOG_LINES_MIN
from adapters.operator_logs.common import append, lines_in, locked, mask_argv, mask_secrets, rotate
from adapters.operator_logs.output_log import OutputLog

LogType = Literal["START", "END", "INFO", "WARNING", "ERROR", "DEBUG"]
LOG_TYPES = ("START", "END", "INFO", "WARNING", "ERROR", "DEBUG")
FIELD_MAX = 1024  # characters of one item


def _item(value: str) -> str:
    """One item on one line: no ``|``-confusing newline, at most ``FIELD_MAX`` characters."""
    flat = " ".join(mask_secrets(value).splitlines())
    return flat[:FIELD_MAX] or "-"


def script_record(when: datetime, log_type: str, operation_id: str, server: str,
                  instance: str, command: str, options: list[str], message: str) -> str:
    if log_type not in LOG_TYPES:
        raise ValueError(f"not a log type of drm_script.log: {log_type!r}")
    named = " ".join([command, *mask_argv(options)])
    stamp = f"{when:%Y/%m/%d %H:%M:%S}.{when.microsecond // 1000:03d}"
    items = [f"{log_type:<6}", *(_item(v) + " " for v in (operation_id, server, instance or "-",
                                                          named)), _item(message)]
    return f"{stamp} |" + "|".join(items)


@dataclass
class ScriptLog:
    """The writer of one host's ``drm_script.log`` (``max_lines`` from ``host.dat``)."""

    path: Path
    max_lines: int = MAX_LOG_LINES_MIN
    fallback: OutputLog | None = None
    clock: Callable[[], datetime] = datetime.now
    written: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not MAX_LOG_LINES_MIN <= self.max_lines <= MAX_LOG_LINES_MAX:
            raise ValueError(f"MAX_LOG_LINES {self.max_lines} is not "
                             f"{MAX_LOG_LINES_MIN}-{MAX_LOG_LINES_MAX}")

    def record(self, log_type: str, operation_id: str, server: str, instance: str,
               command: str, message: str, options: list[str] | None = None) -> str:
        """Append one record; returns its line."""
        line = script_record(self.clock(), log_type, operation_id, server, instance, command,
                             options or [], message)
        try:
            with locked(self.path):
                if lines_in(self.path) >= self.max_lines:
                    rotate(self.path)
                append(self.path, (line + "\n").encode("utf-8", "backslashreplace"))
        except OSError:
            if self.fallback is None:
                raise
            self.fallback.write([line])
        self.written.append(line)
        return line


def host_script_log(script_log: Path, host_dat: Path, output_log: Path) -> ScriptLog:
    """The ``drm_script.log`` writer of a host: ``MAX_LOG_LINES`` from its ``host.dat`` (the
    manual's 1000 when there is none), falling back to its ``drm_output.log``. A ``host.dat``
    that breaks the rules raises ``ConfigError`` (an extended command refuses to run)."""
    from adapters.config.host_dat import load_host_dat

    try:
        max_lines = load_host_dat(host_dat).max_log_lines
    except FileNotFoundError:
        max_lines = MAX_LOG_LINES_MIN
    return ScriptLog(script_log, max_lines, fallback=OutputLog(output_log))
