"""SIGKILL a real agent process during a SQL Server restore (issue 13, crash safety).

DBServer of the example lab: a full backup of UserDB1, rows, the failure. The restore is then
killed after its N-th stored event; a fresh agent (recovery runs in ``build_agent``) must leave
no workflow open, the P-VOL mounted, the instance running, a recorded state that is the live
one; the killed command, delivered again, answers as recovery left it and never runs twice;
and a new restore and recovery then give back exactly the rows of the backup.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from adapters.sqlserver.lab import stop_host
from services.agent.bootstrap import build_agent
from tests.crash.test_crash_recovery import REPO
from tests.fs_lab import command, init_example_lab
from services.settings import load_settings

HOST, INSTANCE, DATABASE = "DBServer", "default", "UserDB1"
RESTORE = {"backup_id": "0000000001", "resync": True, "targets": [DATABASE]}


def run_child(data_dir: Path, kill_after: int, name: str, args: dict, command_id: str):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "tests.crash.child", str(data_dir),
                           str(kill_after), name, json.dumps(args), command_id, HOST],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def agent_for(data_dir: Path):
    return build_agent(load_settings(environ={}, data_dir=data_dir, hostname=HOST), HOST)


def handled(agent, name: str, **args):
    outcome = agent.handle(command(name, host=HOST, **args))
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome


@pytest.fixture
def db_host(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    init_example_lab(data_dir)
    agent = agent_for(data_dir)
    base = data_dir / "hosts" / HOST / "mssql"
    handled(agent, "InitSqlServer", instance=INSTANCE, vdi_timeout=300,
            undo_dir=str(base / "undo"), log_backup_dir=str(base / "tlog"))
    port = agent.ports.application("sqlserver")
    port.write_rows(INSTANCE, DATABASE, 4)
    handled(agent, "BackupSqlServer", instance=INSTANCE)
    rows = port.count_rows(INSTANCE, DATABASE)["rows"]
    port.write_rows(INSTANCE, DATABASE, 9)  # lost with the failure: no log backup
    port.damage(INSTANCE, DATABASE)
    for generation in ("SI02", "SI03"):
        handled(agent, "SplitPair", group=generation, device="sql01")
    yield data_dir, rows
    stop_host(data_dir, HOST)


def test_an_uncut_restore_has_the_steps_the_kill_points_name(db_host):
    """request, file-system request, unmount x2, reverse resync x2, split x2, mount x2,
    file-system end, metafile intent, state changed, end, outcome."""
    data_dir, _ = db_host
    child = run_child(data_dir, 0, "RestoreSqlDatabases", RESTORE, "")
    assert json.loads(child.stdout) == {"type": "CommandCompleted", "seen": 15}


# after: the file-system request (the pair steps: tests/crash/test_crash_recovery.py); the
# metafiles' intent (applied or not: unknown); the state change (not the end)
@pytest.mark.parametrize("kill_after", [2, 12, 13])
def test_a_restore_killed_after_a_step_leaves_nothing_lying(db_host, kill_after):
    data_dir, rows = db_host
    command_id = str(uuid.uuid4())
    child = run_child(data_dir, kill_after, "RestoreSqlDatabases", RESTORE, command_id)
    assert child.returncode == -9, child.stderr

    agent = agent_for(data_dir)  # recovery runs here
    view = agent.view
    assert view.sql_logs.unfinished() == [] and view.unfinished_workflows() == []
    port = agent.ports.application("sqlserver")
    assert port.status(INSTANCE) == "RUNNING"
    live = {d.name: d.state for d in port.databases(INSTANCE)}
    assert view.sql_logs.states.get(f"{INSTANCE}/{DATABASE}", live[DATABASE]) == live[DATABASE]

    again = command("RestoreSqlDatabases", host=HOST, **RESTORE).model_copy(
        update={"command_id": command_id})
    outcome = agent.handle(again)
    assert outcome.type in ("CommandFailed", "CommandCompleted")
    started = [e for e in agent.store.read(HOST) if e.type == "SqlRestoreRequested"
               and e.payload["workflow_id"] == command_id]
    assert len(started) == 1, "the command ran twice"

    if outcome.type == "CommandFailed":
        handled(agent, "RestoreSqlDatabases", **RESTORE)
    handled(agent, "RecoverSqlDatabases", instance=INSTANCE)
    assert port.count_rows(INSTANCE, DATABASE)["rows"] == rows


@pytest.mark.parametrize("kill_after", [2, 4])
def test_a_recovery_killed_mid_roll_forward_can_be_run_again(tmp_path, kill_after):
    """Killed after the roll-forward's intent (the logs were not applied: the database stays
    loading and the recovery can be run again) or after its outcome (applied, the recovery not
    ended): recovery aborts the workflow, every row is back, and log backups go on."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    init_example_lab(data_dir)
    agent = agent_for(data_dir)
    try:
        base = data_dir / "hosts" / HOST / "mssql"
        handled(agent, "InitSqlServer", instance=INSTANCE, vdi_timeout=300,
                undo_dir=str(base / "undo"), log_backup_dir=str(base / "tlog"))
        port = agent.ports.application("sqlserver")
        handled(agent, "BackupSqlServer", instance=INSTANCE)
        for count in (3, 4):
            port.write_rows(INSTANCE, DATABASE, count)
            handled(agent, "BackupSqlLogs", instance=INSTANCE, targets=[DATABASE])
        rows = port.count_rows(INSTANCE, DATABASE)["rows"]
        port.damage(INSTANCE, DATABASE)
        for generation in ("SI02", "SI03"):
            handled(agent, "SplitPair", group=generation, device="sql01")
        handled(agent, "RestoreSqlDatabases", **RESTORE)
        listing = agent.handle(command("ListSqlLogBackups", host=HOST, instance=INSTANCE,
                                       targets=[DATABASE])).result
        recover = {"instance": INSTANCE, "log_list": [
            {k: s[k] for k in ("original_id", "backup_id", "database", "files")}
            for s in listing["sections"]]}
        child = run_child(data_dir, kill_after, "RecoverSqlDatabases", recover, "")
        assert child.returncode == -9, child.stderr

        agent = agent_for(data_dir)
        assert agent.view.sql_logs.unfinished() == []
        if kill_after == 2:  # nothing was applied: still loading; the whole list again
            refused = agent.handle(command("BackupSqlLogs", host=HOST, instance=INSTANCE,
                                           targets=[DATABASE]))
            assert refused.type == "CommandRejected" and "LOADING" in refused.payload["text"]
            handled(agent, "RecoverSqlDatabases", **recover)
        # applied (before the kill, or now): the whole chain, so log backups go on
        handled(agent, "BackupSqlLogs", instance=INSTANCE, targets=[DATABASE])
        assert port.count_rows(INSTANCE, DATABASE)["rows"] == rows
    finally:
        stop_host(data_dir, HOST)
