"""``log/drm_output.log``: every message the commands print (spec 07 Table 8-2, spec 03 §6).

One record per printed line, as the manual's mail example shows them::

    2005/10/08 19:22:32(00003896) drmexgbackup -mode vss
    2005/10/08 19:22:32(00003896) KAVX0001-I The drmexgbackup command will now start.
    2005/10/08 19:24:44(00003896) KAVX0006-E An error that stopped processing occurred. …
    Host name = 10.106.136.125

``YYYY/MM/DD hh:mm:ss(<8-digit process id>) <text>``; the first record of a command is its
command line; the continuation lines of a message (``Host name = …``) carry no prefix. When the
file would pass ``MAX_BYTES`` (the manual's fixed 10 MB) it becomes ``drm_output.log.old``
(overwritten) and a new file starts. Secrets are masked (``common.mask_secrets``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from adapters.operator_logs.common import append, locked, mask_argv, mask_secrets, rotate, size_of

MAX_BYTES = 10 * 1000 * 1000  # the manual's "10 MB"
MAX_RECORD = 64 << 10  # characters of one message kept (a runaway output is cut)


def stamp(when: datetime, pid: int) -> str:
    return f"{when:%Y/%m/%d %H:%M:%S}({pid % 100_000_000:08d})"


@dataclass
class OutputLog:
    """The writer of one host's ``drm_output.log`` for one command run (one process id)."""

    path: Path
    pid: int = field(default_factory=os.getpid)
    clock: Callable[[], datetime] = datetime.now
    max_bytes: int = MAX_BYTES

    def command(self, argv: Iterable[str]) -> list[str]:
        """Record the command line (its password masked) as the command's first record."""
        return self.write([" ".join(mask_argv(list(argv)))])

    def write(self, messages: Iterable[str]) -> list[str]:
        """Append each message (its first line prefixed, the others as they are); returns the
        lines written (the mail notification reuses them)."""
        prefix = stamp(self.clock(), self.pid)
        written: list[str] = []
        for message in messages:
            text = mask_secrets(message[:MAX_RECORD]).replace("\r\n", "\n").replace("\r", "\n")
            first, *rest = text.split("\n")
            written += [f"{prefix} {first}", *rest]
        if not written:
            return written
        data = ("\n".join(written) + "\n").encode("utf-8", "backslashreplace")
        with locked(self.path):
            if size_of(self.path) + len(data) > self.max_bytes:
                rotate(self.path)
            append(self.path, data)
        return written
