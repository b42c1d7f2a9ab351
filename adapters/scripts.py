"""User script commands run as local processes (``LOCATION=LOCAL``, and ``REMOTE`` ones on the
backup server's agent): ``ProcessScripts`` honours ``services.agent.ports.ScriptPort``.

Each command starts in its own process group with the environment it is given, stdin closed;
stdout and stderr are read together and only the last ``KEEP`` bytes kept (a chatty command
cannot fill the agent's memory). A command that outlives its timeout is killed with its whole
process group (SIGKILL) and reported ``timed_out``; ``timeout=0`` waits forever; ``None``
(``NOWAIT``) starts it, returns 0 at once and reaps it in the background with its output
discarded. A command that cannot start ends 127 (not found) or 126 (not executable).
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import Mapping, Sequence

from services.agent.ports import ScriptResult

KEEP = 4096


class ProcessScripts:
    def run(self, argv: Sequence[str], env: Mapping[str, str],
            timeout: int | None) -> ScriptResult:
        try:
            process = subprocess.Popen(
                list(argv), env=dict(env), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL if timeout is None else subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True)
        except FileNotFoundError as error:
            return ScriptResult(127, output=f"{argv[0]}: {error.strerror}")
        except OSError as error:
            return ScriptResult(126, output=f"{argv[0]}: {error.strerror}")
        if timeout is None:
            threading.Thread(target=process.wait, daemon=True).start()
            return ScriptResult(0, nowait=True)
        tail = _Tail(process.stdout)
        reader = threading.Thread(target=tail.read, daemon=True)
        reader.start()
        timed_out = False
        try:
            process.wait(timeout=timeout or None)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process)
            process.wait()
        reader.join(timeout=5)
        return ScriptResult(process.returncode if process.returncode >= 0 else
                            128 - process.returncode, timed_out=timed_out, output=tail.text())


class _Tail:
    def __init__(self, stream) -> None:
        self.stream, self.kept = stream, b""

    def read(self) -> None:
        with self.stream:
            while chunk := self.stream.read1(65536) if hasattr(self.stream, "read1") else \
                    self.stream.read(65536):
                self.kept = (self.kept + chunk)[-KEEP:]

    def text(self) -> str:
        return self.kept.decode("utf-8", errors="replace")[-KEEP:]


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
