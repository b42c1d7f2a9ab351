"""SIGKILL a real agent process in the middle of an online SQL Server backup (issue 13).

The child (``tests.crash.db_child``) kills itself right after the N-th stored event of
``drmsqlbackup default`` on the example lab's DBServer, whose instance runs in a process of its
own. Kill points: after the freeze's outcome (the instance holds the writes), after every split
(still frozen), after the thaw (no entry yet). A fresh agent must leave no freeze held and end
the workflow: aborted with no catalog entry while the instance had let go before a thaw
(the killed agent's connection closed: it releases the freeze), completed with the entry the
workflow would have recorded when the splits and the thaw all happened; the command
delivered again answers as recovery left it, once; a backup afterwards works.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from adapters.lab.provision import stored_lab
from adapters.sqlserver.lab import stop_all
from services.agent.bootstrap import build_agent
from tests.crash.test_crash_recovery import REPO
from tests.fs_lab import command, init_example_lab, settings_for

HOST = "DBServer"
BACKUP = ("BackupSqlServer", {"instance": "default"})
# request (2 events), [(resync intent, resynced) x 2 once a trial split the pairs], freeze
# intent, frozen, (split intent, split) x 2, thawed, details + entry, outcome; in trial order
KILL_POINTS = {"ApplicationFrozen": 4, "PairSplit": 8, "ApplicationThawed": 4 + 9}


@pytest.fixture
def data_dir(tmp_path):
    init_example_lab(tmp_path)
    yield tmp_path
    stop_all(tmp_path, stored_lab(tmp_path))


def run_child(data_dir: Path, kill_after: int, command_id: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    name, args = BACKUP
    return subprocess.run([sys.executable, "-m", "tests.crash.db_child", str(data_dir),
                           str(kill_after), name, json.dumps(args), command_id],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=90)


def test_a_killed_sql_backup_never_leaves_a_freeze_or_an_entry(data_dir):
    first = build_agent(settings_for(data_dir), HOST)  # the maps, so every trial counts alike
    assert first.handle(command("RefreshSqlMap", host=HOST)).type == "CommandCompleted"
    first.ports.application("sqlserver").close()
    for point, kill_after in KILL_POINTS.items():
        command_id = str(uuid.uuid4())
        child = run_child(data_dir, kill_after, command_id)
        assert child.returncode == -9, (point, child.stdout, child.stderr)
        agent = build_agent(settings_for(data_dir), HOST)  # recovery runs here
        mine = [e for e in agent.store.read(HOST) if e.command_id == command_id
                and e.type not in ("CommandFailed", "CommandCompleted")]  # settled at start
        assert mine[-1].type == point  # the kill came right after it
        thawed = [e.payload["how"] for e in agent.store.read(HOST, after_seq=mine[-1].seq)
                  if e.type == "ApplicationThawed"]
        # the instance let go when the killed agent's connection closed; recovery records it
        assert thawed == ([] if point == "ApplicationThawed" else ["released"]), point
        sql = agent.ports.application("sqlserver")
        assert sql.frozen() == (), point
        # settled at start: the workflow ended, so no freeze of it is held any more
        assert command_id not in agent.view.workflows, point
        workflow = agent.view.ended_workflows[command_id]
        again = command(BACKUP[0], host=HOST, **BACKUP[1]).model_copy(
            update={"command_id": command_id})
        outcome = agent.handle(again)
        if point == "ApplicationThawed":  # every split ran while frozen: the copy is good
            assert workflow.how == "completed", point
            entry = agent.view.catalog[workflow.backup_id]
            details = agent.view.sql.backup(workflow.backup_id)
            assert entry.object_type == "MSSQL" and len(details.metafiles) == 2
            assert outcome.type == "CommandCompleted", outcome.payload
            assert outcome.payload["result"]["backup_id"] == workflow.backup_id
        else:
            assert workflow.how == "aborted", point
            assert workflow.backup_id not in agent.view.catalog, point
            assert outcome.type == "CommandFailed" and "DRM-10045" in outcome.payload["text"]
        started = [e for e in agent.store.read(HOST) if e.type == "BackupRequested"
                   and e.payload["workflow_id"] == command_id]
        assert len(started) == 1, f"{point}: the command ran twice"
        sql.close()
    agent = build_agent(settings_for(data_dir), HOST)
    done = agent.handle(command(*BACKUP[:1], host=HOST, **BACKUP[1]))
    assert done.type == "CommandCompleted", done.payload
    assert done.payload["result"]["backup_id"] in agent.view.catalog
