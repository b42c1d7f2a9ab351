"""SIGKILL a real agent process during a cold backup that has a user script (issue 12): at the
steps of its ``[PRE_PROC]`` and ``[POST_PROC]`` commands and of the backup between them, and
while a script command hangs. A restarted agent finds the host sound (P-VOL mounted, every
workflow ended, catalog entries on split S-VOLs), and the command delivered again never runs
twice (``tests.crash.test_crash_recovery``'s checks)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from services.cli.user_script import parse_script
from tests.crash.test_crash_recovery import REPO, check_host, prepare_cold, redeliver, run_child
from tests.fs_lab import FS_MOUNT, init_example_lab

PRE_EVENTS = 2  # UserScriptCommandStarted, UserScriptCommandEnded
COLD_EVENTS = 11  # the cold backup's events before its outcome (test_crash_recovery: 12)


def scripted_backup(folder: Path, pre: str = "exit 0") -> tuple[str, dict]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in (("pre.sh", pre), ("post.sh", "exit 0")):
        (folder / name).write_text(f"#!/bin/sh\n{body}\n")
        (folder / name).chmod(0o755)
    script = parse_script(f"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE={folder}/pre.sh\n"
                          f"[POST_PROC]\n[CMD]\nCMDLINE={folder}/post.sh\n".encode())
    return "BackupFileSystem", {"targets": [FS_MOUNT], "mode": "cold",
                                "script": script.model_dump(mode="json")}


def test_an_uncut_scripted_cold_backup_has_the_scripts_steps_around_the_backup(tmp_path):
    init_example_lab(tmp_path / "data")
    prepare_cold(tmp_path / "data")
    ran = run_child(tmp_path / "data", 0, *scripted_backup(tmp_path / "s"))
    assert json.loads(ran.stdout)["seen"] == PRE_EVENTS + COLD_EVENTS + PRE_EVENTS + 1


@pytest.mark.parametrize("kill_after", [1, 2, 3, 6, 9, PRE_EVENTS + COLD_EVENTS,
                                        PRE_EVENTS + COLD_EVENTS + 1])
def test_a_scripted_cold_backup_killed_at_a_script_or_backup_step(tmp_path, kill_after):
    data = tmp_path / "data"
    init_example_lab(data)
    prepare_cold(data)
    killed = str(uuid.uuid4())
    backup = scripted_backup(tmp_path / "s")
    assert run_child(data, kill_after, *backup, killed).returncode == -9
    agent = check_host(data)
    outcome, recorded = redeliver(agent, *backup, killed)
    assert outcome.type in ("CommandCompleted", "CommandFailed")
    assert len(recorded) <= 1


def test_an_agent_killed_while_a_script_command_hangs_leaves_the_volumes_as_they_were(tmp_path):
    data = tmp_path / "data"
    init_example_lab(data)
    prepare_cold(data)
    marker = tmp_path / "s" / "hanging"
    pid_file = tmp_path / "s" / "pid"
    backup = scripted_backup(tmp_path / "s",
                             pre=f'echo $$ > "{pid_file}"\ntouch "{marker}"\nsleep 60')
    killed = str(uuid.uuid4())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-m", "tests.crash.child", str(data), "0",
                              backup[0], json.dumps(backup[1]), killed], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the script command never started"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    os.killpg(int(pid_file.read_text()), signal.SIGKILL)  # the orphaned script (its own group)
    agent = check_host(data)  # P-VOL mounted, no workflow open
    assert not [e for e in agent.store.read("FSServer") if e.type == "BackupRequested"
                and e.payload["workflow_id"] == killed]  # killed before anything was split
    (tmp_path / "s" / "pre.sh").write_text("#!/bin/sh\nexit 0\n")  # the hang is fixed
    outcome, recorded = redeliver(agent, *backup, killed)
    assert outcome.type == "CommandCompleted" and len(recorded) == 1
