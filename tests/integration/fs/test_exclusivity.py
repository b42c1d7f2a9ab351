""""No" commands one at a time per host, across processes (spec 04 §5, §6)."""
from __future__ import annotations

import json
import subprocess
import sys

from services.agent.bootstrap import build_agent
from services.agent.filesystem.slot import RetryPolicy, retry_policy, slot_path
from services.settings import load_settings
from tests.crash.test_crash_recovery import REPO
from tests.fs_lab import FS_HOST, FS_MOUNT, command, lab_of, settings_for

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_a_blocked_command_retries_then_is_rejected_while_queries_run(data_dir, monkeypatch):
    monkeypatch.setenv("DRM_COM_RETRY_TIME", "3")
    monkeypatch.setenv("DRM_COM_RETRY_WAIT", "0.05")
    agent = build_agent(settings_for(data_dir), FS_HOST)
    path = slot_path(data_dir, FS_HOST)
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        outcome = agent.handle(command("BackupFileSystem", targets=[FS_MOUNT]))
        assert outcome.type == "CommandRejected" and "DRM-10050" in outcome.payload["text"]
        assert agent.handle(command("ListCatalog")).result == {"entries": []}
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])).type \
        == "CommandCompleted"


def test_two_processes_back_up_one_after_the_other(data_dir):
    build_agent(settings_for(data_dir), FS_HOST)  # create the store once
    args = json.dumps({"targets": [FS_MOUNT]})
    children = [subprocess.Popen([sys.executable, "-m", "tests.crash.child", str(data_dir), "0",
                                  "BackupFileSystem", args], cwd=REPO, stdout=subprocess.PIPE,
                                 env={"PYTHONPATH": str(REPO), "DRM_COM_RETRY_WAIT": "0.05"},
                                 text=True)
                for _ in range(2)]
    outcomes = [json.loads(child.communicate(timeout=60)[0]) for child in children]
    assert [o["type"] for o in outcomes] == ["CommandCompleted"] * 2
    agent = build_agent(settings_for(data_dir), FS_HOST)
    assert sorted(agent.view.catalog) == ["0000000001", "0000000002"]
    assert {e.generation for e in agent.view.catalog.values()} == {"local_0", "local_1"}


def test_retry_settings_come_from_the_lab_host_then_the_environment(data_dir):
    lab = lab_of(data_dir)
    assert retry_policy(lab, FS_HOST, load_settings({})) == RetryPolicy(0, 10.0)
    assert retry_policy(lab, FS_HOST, load_settings({"DRM_COM_RETRY_TIME": "5",
                                                    "DRM_COM_RETRY_WAIT": "2"})) \
        == RetryPolicy(5, 2.0)
    hosts = tuple(h.model_copy(update={"com_retry_time": 7}) for h in lab.hosts)
    assert retry_policy(lab.model_copy(update={"hosts": hosts}), FS_HOST,
                        load_settings({"DRM_COM_RETRY_TIME": "5"})).retry_time == 7


