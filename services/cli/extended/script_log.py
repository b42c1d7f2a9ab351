"""``drm_script.log``: the extended commands' log (spec 07 §1.4, Table 8-5), one line per record:

    yyyy/mm/dd hh:mm:ss.sss |TYPE  |<operation ID> |<server> |<instance> |<command> |<options> |<message>

in ``<data dir>/hosts/<host>/script/log/``. When the file holds ``MAX_LOG_LINES`` lines
(``host.dat``, default 1000) it becomes ``drm_script.log.old`` (an older ``.old`` is replaced)
and a new file is started. A log that cannot be written never fails the command. The password
of ``EX_DRM_FTP_PUT``/``_GET`` is masked in the options column.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from adapters.paths import host_dir

DEFAULT_MAX_LINES = 1000
MASK = "********"


def masked_options(argv: list[str]) -> str:
    shown, hide = [], False
    for word in argv:
        shown.append(MASK if hide else word)
        hide = word in ("-password", "--password")
    return " ".join(shown)


def log_line(when: datetime, kind: str, operation, command: str, options: str,
             text: str) -> str:
    stamp = when.strftime("%Y/%m/%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"
    instance = operation.definition.instance_name or "-"
    return (f"{stamp} |{kind:<5} |{operation.operation_id} |{operation.definition.db_server_name}"
            f" |{instance} |{command} |{options} |{text}")


class ScriptLog:
    def __init__(self, path: Path, max_lines: int = DEFAULT_MAX_LINES) -> None:
        self.path, self.max_lines = path, max_lines

    def append(self, line: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.is_file() and _lines(self.path) >= self.max_lines:
                self.path.replace(self.path.with_name(self.path.name + ".old"))
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as error:  # the manual falls back to the standard output log
            print(f"drm_script.log cannot be written: {error.strerror}", file=sys.stderr)


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 16), b""))


def script_logger(entry, args: argparse.Namespace):
    """The ``log(operation, kind, text)`` of one run of ``entry``."""
    options = masked_options(list(getattr(args, "raw_argv", None) or sys.argv[1:]))

    def log(operation, kind: str, text: str) -> None:
        from services.cli.extended.operation import host_settings, conf_dir
        from services.settings import load_settings

        data_dir = load_settings().data_dir
        lines = host_settings(conf_dir(data_dir, operation.host) / "host.dat").get(
            "MAX_LOG_LINES")
        path = host_dir(data_dir, operation.host) / "script" / "log" / "drm_script.log"
        ScriptLog(path, int(lines) if lines else DEFAULT_MAX_LINES).append(
            log_line(datetime.now(), kind, operation, entry.name, options, text))

    return log
