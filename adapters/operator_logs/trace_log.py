"""``log/drm_pp_trace<n>.log``: the detailed trace log (spec 07 §1.5, Table 8-6).

Record items in order, separated by spaces: number, date ``yyyy/mm/dd``, time
``hh:mm:ss.sss``, application (the ``drm…`` command), process ID, thread ID, message ID, type
(``ER`` ``WR`` ``NT`` ``IF`` ``DB``), text. ``LOGLEVEL`` of ``init.conf`` filters the types (0:
ER; 1: + WR; 2: + NT; 3: + IF; 9: + DB). The files form a ring of ``PP_LOGFILE_NUM`` (2-16):
when ``drm_pp_trace<n>.log`` would pass ``MAX_BYTES`` (10 MB) the next number is emptied and
written, after the last comes 1 again. The number of the file in use is kept in
``drm_pp_trace.cur`` beside them; the record number continues across files.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from adapters.operator_logs.common import append, locked, mask_secrets, size_of

MAX_BYTES = 10 * 1000 * 1000
LEVEL_TYPES = {0: ("ER",), 1: ("ER", "WR"), 2: ("ER", "WR", "NT"), 3: ("ER", "WR", "NT", "IF"),
               9: ("ER", "WR", "NT", "IF", "DB")}
TYPES = LEVEL_TYPES[9]


@dataclass
class TraceLog:
    directory: Path
    loglevel: int = 3
    files: int = 2
    application: str = "drm"
    max_bytes: int = MAX_BYTES
    clock: Callable[[], datetime] = datetime.now
    pid: int = field(default_factory=os.getpid)

    def __post_init__(self) -> None:
        if self.loglevel not in LEVEL_TYPES:
            raise ValueError(f"LOGLEVEL {self.loglevel} is not one of 0, 1, 2, 3, 9")
        if not 2 <= self.files <= 16:
            raise ValueError(f"PP_LOGFILE_NUM {self.files} is not 2-16")

    def path(self, number: int) -> Path:
        return self.directory / f"drm_pp_trace{number}.log"

    @property
    def _state(self) -> Path:
        return self.directory / "drm_pp_trace.cur"

    def wants(self, log_type: str) -> bool:
        return log_type in LEVEL_TYPES[self.loglevel]

    def record(self, log_type: str, message_id: str, text: str) -> bool:
        """Append one record if ``LOGLEVEL`` lets its type through; True when written."""
        if log_type not in TYPES:
            raise ValueError(f"not a trace type: {log_type!r}")
        if not self.wants(log_type):
            return False
        when = self.clock()
        with locked(self._state):
            current, number = self._read_state()
            body = (f"{when:%Y/%m/%d} {when:%H:%M:%S}.{when.microsecond // 1000:03d} "
                    f"{self.application} {self.pid} {threading.get_ident() % 100_000_000} "
                    f"{message_id or '-'} {log_type} "
                    f"{' '.join(mask_secrets(text).splitlines())[:4096]}")
            data = f"{number + 1:010d} {body}\n".encode("utf-8", "backslashreplace")
            if size_of(self.path(current)) + len(data) > self.max_bytes:
                current = current % self.files + 1
                self.path(current).write_bytes(b"")
            append(self.path(current), data)
            self._state.write_text(f"{current} {number + 1}\n")
        return True

    def _read_state(self) -> tuple[int, int]:
        try:
            current, number = self._state.read_text().split()
            current_n, number_n = int(current), int(number)
            if 1 <= current_n <= self.files and number_n >= 0:
                return current_n, number_n
        except (FileNotFoundError, ValueError):
            pass
        return 1, 0
