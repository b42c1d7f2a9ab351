"""SIGKILL a real agent process after each step of a cold backup and of a restore.

Each step is one stored event; the child kills itself right after the N-th event of the command
(so an intent is stored and its adapter call never runs, or an outcome is stored and the next
intent never comes). A fresh agent then starts (recovery runs in ``build_agent``) and the host
must be sound: P-VOL mounted, every workflow ended with a reason, every catalog entry on split
S-VOLs holding its data, and a following backup works. Every kill point is run; the number of
points is checked against an uncut run, so no step is skipped.

The killed command is then delivered again (same command id, as the broker redelivers an
unacked command): it must not run twice (one ``BackupRequested``/``RestoreRequested`` and at
most one catalog entry per command), it answers with the outcome recovery left, recorded as its
own, and every event id of the host stays unique.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import uuid

import pytest

from adapters.storage.base import VolumeRef
from services.agent.bootstrap import build_agent
from tests.fs_lab import FS_HOST, FS_MOUNT, command, fs_root, init_example_lab, settings_for, tree

REPO = Path(__file__).resolve().parents[2]
SVOLS = {"VG01,VOL01": VolumeRef(serial="410001", ldev=257),
         "VG02,VOL02": VolumeRef(serial="410001", ldev=258),
         "VG03,VOL03": VolumeRef(serial="410001", ldev=259),
         "TC01,VOL01": VolumeRef(serial="410002", ldev=512)}
MUS = {"VG01,VOL01": "0", "VG02,VOL02": "1", "VG03,VOL03": "2", "TC01,VOL01": ""}
PVOL = VolumeRef(serial="410001", ldev=256)
COLD_BACKUP = ("BackupFileSystem", {"targets": [FS_MOUNT], "mode": "cold"})
RESTORE = ("RestoreFileSystem", {"backup_id": "0000000001"})
# cold backup on a PSUS generation: request + superseded entry (one append), resync x2,
# unmount x2, split x2, mount x2, recorded, outcome
COLD_EVENTS = 12
# restore: request, unmount x2, reverse resync x2, split x2, mount x2, completed, outcome
RESTORE_EVENTS = 11


def run_child(data_dir: Path, kill_after: int, name: str, args: dict,
              command_id: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "tests.crash.child", str(data_dir),
                           str(kill_after), name, json.dumps(args), command_id],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def redeliver(agent, name: str, args: dict, command_id: str):
    """Deliver the killed command again; check it did not run twice and ids stay unique."""
    again = command(name, **args).model_copy(update={"command_id": command_id})
    outcome = agent.handle(again)
    events = agent.store.read(FS_HOST)
    ids = [e.event_id for e in events]
    assert len(set(ids)) == len(ids), "an event id was reused"
    started = [e for e in events if e.type in ("BackupRequested", "RestoreRequested")
               and e.payload["workflow_id"] == command_id]
    assert len(started) == 1, "the command ran twice"
    recorded = [e for e in events if e.type == "BackupRecorded"
                and e.payload["workflow_id"] == command_id]
    assert len(recorded) <= 1
    assert agent.store.outcome_of(command_id) == outcome
    assert agent.handle(again) == outcome  # and again: the same answer, nothing new
    return outcome, recorded


def agent_for(data_dir: Path):
    return build_agent(settings_for(data_dir), FS_HOST)


def prepare_cold(data_dir: Path) -> dict:
    """Three backups (every local generation PSUS); the cold backup then resyncs local_0."""
    agent = agent_for(data_dir)
    for _ in range(3):
        assert agent.handle(command(*COLD_BACKUP[:1], targets=[FS_MOUNT])).type \
            == "CommandCompleted"
    (fs_root(data_dir) / "docs" / "new.txt").write_text("after the third backup\n")
    return tree(fs_root(data_dir))


def prepare_restore(data_dir: Path) -> dict:
    """Backups on every generation, the first one's files kept, then the P-VOL changed."""
    agent = agent_for(data_dir)
    root = fs_root(data_dir)
    for generation in ("local_0", "local_1", "local_2", "remote_0"):
        assert agent.handle(command("BackupFileSystem", targets=[FS_MOUNT],
                                    generation=generation)).type == "CommandCompleted"
        if generation == "local_0":
            first = tree(root)
            (root / "docs" / "readme.txt").write_text("changed\n")
            (root / "data" / "blob.bin").unlink()
    return first


def check_host(data_dir: Path) -> object:
    agent = agent_for(data_dir)  # a restarted agent: recovery runs here
    view, storage = agent.view, agent.ports.storage
    root = fs_root(data_dir)
    assert root.is_symlink() and Path(os.readlink(root)) == storage.data_dir(PVOL)
    assert not view.unfinished_workflows()
    for event in agent.store.read(FS_HOST):
        if event.type in ("BackupAborted", "RestoreAborted"):
            assert event.payload["reason"]
    for entry in view.catalog.values():
        for name in entry.copy_groups:
            record = storage.pairdisplay(PVOL, MUS[name])
            assert record is not None and record.status.value == "PSUS", (name, record)
    return agent


def svol_tree(agent, name: str) -> dict:
    return tree(agent.ports.storage.volume_path(SVOLS[name]))


def test_an_uncut_cold_backup_and_restore_have_the_expected_number_of_steps(tmp_path):
    init_example_lab(tmp_path / "a")
    prepare_cold(tmp_path / "a")
    assert json.loads(run_child(tmp_path / "a", 0, *COLD_BACKUP).stdout)["seen"] == COLD_EVENTS
    init_example_lab(tmp_path / "b")
    prepare_restore(tmp_path / "b")
    assert json.loads(run_child(tmp_path / "b", 0, *RESTORE).stdout)["seen"] == RESTORE_EVENTS


@pytest.mark.parametrize("kill_after", range(1, COLD_EVENTS))
def test_cold_backup_killed_after_each_step(tmp_path, kill_after):
    init_example_lab(tmp_path)
    expected = prepare_cold(tmp_path)
    killed = str(uuid.uuid4())
    assert run_child(tmp_path, kill_after, *COLD_BACKUP, killed).returncode == -9
    agent = check_host(tmp_path)
    entry = agent.view.catalog.get("0000000004")
    if entry is not None:
        assert svol_tree(agent, entry.copy_groups[0]) == expected
    assert "0000000001" not in agent.view.catalog  # superseded before any pair operation
    outcome, recorded = redeliver(agent, *COLD_BACKUP, killed)
    assert sorted(agent.view.catalog) == ["0000000002", "0000000003"] + \
        (["0000000004"] if entry else [])  # no second entry, no older one lost
    if entry is not None:
        assert outcome.type == "CommandCompleted" and len(recorded) == 1
        assert outcome.payload["result"]["backup_id"] == "0000000004"
    else:
        assert outcome.type == "CommandFailed" and "restarted" in outcome.payload["text"]
    outcome = agent.handle(command("BackupFileSystem", targets=[FS_MOUNT]))
    assert outcome.type == "CommandCompleted", outcome.payload
    agent.ports.storage.wait_idle(10)


@pytest.mark.parametrize("kill_after", range(1, RESTORE_EVENTS))
def test_restore_killed_after_each_step(tmp_path, kill_after):
    init_example_lab(tmp_path)
    first = prepare_restore(tmp_path)
    killed = str(uuid.uuid4())
    assert run_child(tmp_path, kill_after, *RESTORE, killed).returncode == -9
    agent = check_host(tmp_path)
    assert svol_tree(agent, "VG01,VOL01") == first  # the entry still holds its data
    ended = [e for e in agent.store.read(FS_HOST)
             if e.type in ("RestoreCompleted", "RestoreAborted")]
    assert len(ended) == 1
    if ended[0].type == "RestoreCompleted":
        assert tree(fs_root(tmp_path)) == first
    (fs_root(tmp_path) / "docs" / "after.txt").write_text("written after the restart\n")
    outcome, _ = redeliver(agent, *RESTORE, killed)  # one restore per command: not again
    assert (fs_root(tmp_path) / "docs" / "after.txt").exists()
    assert [e.type for e in agent.store.read(FS_HOST)
            if e.type in ("RestoreCompleted", "RestoreAborted")] == [ended[0].type]
    assert outcome.type == ("CommandCompleted" if ended[0].type == "RestoreCompleted"
                            else "CommandFailed")
    outcome = agent.handle(command("BackupFileSystem", targets=[FS_MOUNT],
                                   generation="local_1"))
    assert outcome.type == "CommandCompleted", outcome.payload
    agent.ports.storage.wait_idle(10)


def test_restore_killed_while_the_reverse_copy_runs(tmp_path):
    """Between the ``pairresync -restore`` call and its outcome there is no event: the parent
    watches the array for RCPY and kills the child then; recovery waits the copy out."""
    import signal
    import time

    from adapters.storage.fault import FaultInjector
    from adapters.storage.simulated_array import SimulatedStorage

    init_example_lab(tmp_path)
    first = prepare_restore(tmp_path)
    faults = FaultInjector(tmp_path / "arrays")
    faults.slow_copy("*", 0.5)
    killed = str(uuid.uuid4())
    child = subprocess.Popen([sys.executable, "-m", "tests.crash.child", str(tmp_path), "0",
                              *RESTORE[:1], json.dumps(RESTORE[1]), killed], cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    watcher = SimulatedStorage(tmp_path / "arrays")
    deadline = time.monotonic() + 30
    while (watcher.pairdisplay(PVOL, "0").status.value != "RCPY"
           and time.monotonic() < deadline):
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    assert child.wait(10) == -9
    faults.clear()
    agent = check_host(tmp_path)
    ended = [e.type for e in agent.store.read(FS_HOST) if e.type.startswith("Restore")]
    assert ended == ["RestoreRequested", "RestoreCompleted"]
    assert tree(fs_root(tmp_path)) == first == svol_tree(agent, "VG01,VOL01")
    outcome, _ = redeliver(agent, *RESTORE, killed)
    assert outcome.type == "CommandCompleted", outcome.payload
