"""SIGKILL a real BKServer agent after each event of drmmount, drmmediabackup and
drmmediarestore; a fresh agent (recovery in ``build_agent``) must leave no lying state:
no open intent or media copy, no mount lock without its mount, no mount the array does not
show, every tape entry's archives on the medium, every disk entry on VG01 holding the data it
claims; the killed command, delivered again (same id), answers with the outcome recovery left
and does not run twice (one tape copy, one tape or restored entry per command), every event id
stays unique; and the next command works."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import uuid

import pytest

from adapters.storage.base import VolumeRef
from adapters.tape import open_library
from services.agent.bootstrap import build_agent
from tests.fs_lab import FS_HOST, FS_MOUNT, command, fs_root, init_example_lab, settings_for, tree
from tests.tape_lab import BK_HOST, hand_over

REPO = Path(__file__).resolve().parents[2]
VG1 = "VG01,VOL01"
SVOL = VolumeRef(serial="410001", ldev=257)
# first command on BKServer: maps built, then lock + intent (one append), mounted, how the
# read-only mount is guarded, outcome
MOUNT_EVENTS = 6
# media backup: request, archive written, recorded, outcome
BACKUP_EVENTS = 4
# media restore: request + superseded entry (one append), archive read, recorded, outcome
RESTORE_EVENTS = 5


def run_child(data_dir: Path, kill_after: int, name: str, args: dict, command_id: str = ""):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "tests.crash.bk_child", str(data_dir),
                           str(kill_after), name, json.dumps(args), command_id],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def redeliver(agent, name: str, args: dict, command_id: str) -> None:
    """The killed command again: no second run, its outcome recorded, ids unique."""
    again = command(name, host=BK_HOST, **args).model_copy(update={"command_id": command_id})
    outcome = agent.handle(again)
    events = agent.store.read(BK_HOST)
    ids = [e.event_id for e in events]
    assert len(set(ids)) == len(ids), "an event id was reused"
    mine = [e for e in events if e.command_id == command_id]
    for started in ("MediaCopyRequested", "SvolMountRequested"):
        assert len([e for e in mine if e.type == started]) <= 1, "the command ran twice"
    made = [e for e in events if e.type in ("TapeBackupRecorded", "BackupRecorded")
            and e.payload.get("workflow_id") == command_id]
    assert len(made) <= 1
    assert outcome.type in ("CommandCompleted", "CommandFailed"), outcome.payload
    assert outcome.type == "CommandFailed" or made or name == "MountSvol"
    assert agent.store.outcome_of(command_id) == outcome == agent.handle(again)


def bk(data_dir: Path):
    return build_agent(settings_for(data_dir), BK_HOST)


def ok(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def prepare(data_dir: Path, stage: str) -> dict:
    """FSServer backs up and hands the entry to BKServer (its #1); for ``backup`` BKServer
    mounts it; for ``restore`` it also tapes it (#2), the S-VOL changes, #2 is mounted."""
    init_example_lab(data_dir)
    fs_agent = build_agent(settings_for(data_dir), FS_HOST)
    original = tree(fs_root(data_dir))
    ok(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    bk_agent = bk(data_dir)
    hand_over(fs_agent, bk_agent, "0000000001")
    if stage in ("backup", "restore"):
        ok(bk_agent.handle(command("MountSvol", host=BK_HOST, backup_id="0000000001")))
    if stage == "restore":
        ok(bk_agent.handle(command("BackupToTape", host=BK_HOST, backup_id="0000000001")))
        ok(bk_agent.handle(command("UnmountSvol", host=BK_HOST, backup_id="0000000001")))
        (fs_root(data_dir) / "docs" / "readme.txt").write_text("changed\n")
        ok(fs_agent.handle(command("ResyncCopyGroups", copy_group=VG1)))
        ok(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT], generation="local_0")))
        ok(bk_agent.handle(command("MountSvol", host=BK_HOST, backup_id="0000000002")))
    fs_agent.ports.storage.wait_idle(10)
    return original


def check_sound(data_dir: Path, original: dict) -> None:
    agent = bk(data_dir)
    view, storage = agent.view, agent.ports.storage
    assert view.backup_server.media_copies == {} and view.backup_server.mounts_requested == {}
    state = view.copy_groups[VG1]
    if state.mounted_at:
        assert storage.mounted_volume(Path(state.mounted_at)) == SVOL
    if state.locked_by == "mount":
        assert state.mounted_at, "a mount lock without its mount"
    library = open_library(data_dir, agent.ports.lab)
    for entry in view.tape.values():
        assert all(library.exists(a.medium, a.label) for a in entry.archives)
    for entry in view.entries_on([VG1]):
        if entry.backup_id == "0000000003":  # the restored entry holds the tape's data
            assert tree(storage.volume_path(SVOL)) == original


CASES = [("mount", "MountSvol", {"backup_id": "0000000001"}, MOUNT_EVENTS),
         ("backup", "BackupToTape", {"backup_id": "0000000001"}, BACKUP_EVENTS),
         ("restore", "RestoreFromTape", {"backup_id": "0000000002"}, RESTORE_EVENTS)]


@pytest.mark.parametrize("stage, name, args, events", CASES, ids=[c[0] for c in CASES])
def test_every_kill_point_is_recovered(tmp_path, stage, name, args, events):
    uncut = tmp_path / "uncut"
    prepare(uncut, stage)
    done = json.loads(run_child(uncut, 0, name, args).stdout)
    assert done == {"type": "CommandCompleted", "seen": events}
    for kill_after in range(1, events + 1):
        data_dir = tmp_path / f"kill{kill_after}"
        original = prepare(data_dir, stage)
        killed = str(uuid.uuid4())
        child = run_child(data_dir, kill_after, name, args, killed)
        assert child.returncode == -9, child.stderr
        check_sound(data_dir, original)
        again, follow = bk(data_dir), (name, args)
        redeliver(again, name, args, killed)
        check_sound(data_dir, original)
        if stage == "mount" and again.view.copy_groups[VG1].mounted_at:
            follow = ("UnmountSvol", {"backup_id": "0000000001"})
        ok(again.handle(command(follow[0], host=BK_HOST, **follow[1])))  # the host works on
        check_sound(data_dir, original)


def test_a_kill_in_the_middle_of_a_medium_write_leaves_no_entry_and_no_medium(tmp_path):
    """SIGKILL while the archive's bytes are going onto the medium (not between events): the
    half medium is never taken for an archive, no tape entry exists, recovery removes the
    partial file, and the same backup then writes a whole medium ``tar`` can list."""
    original = prepare(tmp_path, "backup")
    svol = bk(tmp_path).ports.storage.volume_path(SVOL)
    (svol / "bulk.bin").write_bytes(os.urandom(6 << 20))  # past the first flush of the stream
    killed = str(uuid.uuid4())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.run([sys.executable, "-m", "tests.crash.tape_write_child", str(tmp_path),
                            killed], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == -9, child.stdout + child.stderr
    media = tmp_path / "tape" / "LIB01" / "TP0002"
    partial = media / ".0000000002.0.tar.partial"
    assert partial.stat().st_size >= 1 << 20 and not (media / "0000000002.0.tar").exists()
    stored = bk(tmp_path)  # recovery at start: the media copy is ended, the partial removed
    assert stored.view.tape == {} and stored.view.backup_server.media_copies == {}
    assert not partial.exists() and list(media.iterdir()) == []
    types = [e.type for e in stored.store.read(BK_HOST) if e.command_id == killed]
    assert "TapeArchiveWritten" not in types and "TapeBackupRecorded" not in types
    check_sound(tmp_path, original)
    redeliver(stored, "BackupToTape", {"backup_id": "0000000001"}, killed)
    again = ok(stored.handle(command("BackupToTape", host=BK_HOST, backup_id="0000000001")))
    archive = stored.view.tape[again["backup_id"]].archives[0]
    medium = open_library(tmp_path, stored.ports.lab).archive_path(archive.medium, archive.label)
    listing = subprocess.run(["tar", "-tf", str(medium)], check=True, capture_output=True,
                             text=True).stdout.split()
    assert "bulk.bin" in listing and listing[-1] == ".drm-tape-manifest.json"
