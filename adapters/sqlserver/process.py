"""Starting and stopping the instance process of a host (``adapters.sqlserver.server``).

``start_server`` spawns it in a session of its own (it outlives the command that started
it, like a service) and waits until it answers; ``stop_server`` asks it to shut down and waits
for its socket to go. ``server_running`` says whether something answers on the socket.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable

from adapters.sqlserver.client import NotConnected, SqlServerClient
from services.agent.application_port import ApplicationError

START_LIMIT = 30.0  # seconds a starting process may take to answer (a slow, shared machine)
STOP_LIMIT = 10.0


def server_running(socket_path: Path) -> bool:
    client = SqlServerClient(socket_path, timeout=STOP_LIMIT)
    try:
        return client.ping()
    except ApplicationError:
        return False
    finally:
        client.close()


def start_server(state_dir: Path, socket_path: Path, roots: Iterable[Path],
                 log_file: Path | None = None) -> int | None:
    """Start the instance process unless one answers on ``socket_path`` already; returns the
    new process ID (None when it was running). Raises ``ApplicationError`` when it does not
    come up in time (its log file says why)."""
    if server_running(socket_path):
        return None
    command = [sys.executable, "-m", "adapters.sqlserver.server", "--state-dir", str(state_dir),
               "--socket", str(socket_path)]
    for root in roots:
        command += ["--root", str(root)]
    Path(state_dir).mkdir(parents=True, exist_ok=True)
    log_path = log_file or Path(state_dir) / "server.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True, cwd=_repo_root())  # -m: from cwd
    deadline = time.monotonic() + START_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ApplicationError(f"the SQL Server instance process exited at start (see "
                                   f"{log_path})", reason="not-running")
        if server_running(socket_path):
            return process.pid
        time.sleep(0.05)
    process.kill()
    raise ApplicationError(f"the SQL Server instance process did not answer in {START_LIMIT:.0f} s",
                           reason="not-running")


def stop_server(socket_path: Path) -> bool:
    """Shut the instance process down (its freezes are released); False when none ran."""
    client = SqlServerClient(socket_path, timeout=STOP_LIMIT)
    try:
        client.shutdown()
    except NotConnected:
        return False
    except ApplicationError:
        pass  # it may have closed the connection on its way out: wait for the socket to go
    finally:
        client.close()
    deadline = time.monotonic() + STOP_LIMIT
    while time.monotonic() < deadline and Path(socket_path).exists():
        time.sleep(0.05)
    return True


def _repo_root() -> str:
    return str(Path(__file__).resolve().parents[2])

