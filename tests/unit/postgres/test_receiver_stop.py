"""Stopping the WAL receiver: a SIGINT that ``pg_receivewal`` misses (it lands after the
stop flag was looked at and before ``select()`` blocks for the 10 s status interval) is sent
again, so the receiver ends on its own instead of after the timeout by SIGKILL. A small
process that takes only its second SIGINT stands for that race: the race itself cannot be
forced in a real ``pg_receivewal``, which made every recovery 10 s longer in the bench."""
from __future__ import annotations

import pwd
import signal
import subprocess
import sys
from pathlib import Path

from adapters.postgres.receiver import WalReceiver
from adapters.postgres.server import ClusterSpec, ServerControl
from tests.services import unavailable

MISSES_ONE_SIGINT = """
import signal, sys, time
seen = []
def on_interrupt(*_):
    seen.append(1)
    if len(seen) > 1:
        sys.exit(0)
signal.signal(signal.SIGINT, on_interrupt)
print("ready", flush=True)
while True:
    time.sleep(1)
"""


def receiver_for(tmp_path: Path) -> WalReceiver:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        unavailable("no 'postgres' operating-system user: a ServerControl needs one")
    spec = ClusterSpec("pg1", tmp_path / "data", tmp_path / "wal", 5999, tmp_path / "run",
                       tmp_path / "logs")
    return WalReceiver(ServerControl(spec, Path(sys.executable).parent))


def started(receiver: WalReceiver, script: str) -> subprocess.Popen:
    receiver.process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                        text=True, start_new_session=True)
    assert receiver.process.stdout.readline().strip() == "ready"
    return receiver.process


def test_a_missed_sigint_is_sent_again_and_the_receiver_ends_cleanly(tmp_path):
    receiver = receiver_for(tmp_path)
    process = started(receiver, MISSES_ONE_SIGINT)
    assert receiver.stop(timeout=5) == 0  # not -SIGKILL after the timeout
    assert receiver.process is None and process.poll() == 0


def test_a_receiver_that_ignores_every_sigint_is_killed_at_the_timeout(tmp_path):
    receiver = receiver_for(tmp_path)
    started(receiver, "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                      "print('ready', flush=True)\ntime.sleep(60)\n")
    assert receiver.stop(timeout=0.5) == -signal.SIGKILL


def test_stop_without_a_started_receiver_reports_none(tmp_path):
    assert receiver_for(tmp_path).stop(timeout=0.1) is None
