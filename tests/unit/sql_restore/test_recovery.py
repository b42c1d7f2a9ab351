"""A SQL restore, recovery or log backup cut by a crash is settled at agent start: the instance
it stopped is started again, the databases' live states are recorded, the workflow ends aborted,
and the interrupted command, delivered again, answers that it failed (never runs twice)."""
from __future__ import annotations

import pytest

from events import sql_logs as logs, sql_restore as sql
from events.outcomes import CommandCompleted, CommandFailed
from services.agent.interrupted import settle
from tests.unit.agent_fs.views import envelopes
from tests.unit.sql_restore.engine_host import INSTANCE, SqlHost

W = "w-cut"


@pytest.fixture
def host(tmp_path):
    made = SqlHost(tmp_path)
    made.create("DB1")
    yield made
    made.close()


def a_restore_cut_after_the_stop(host):
    requested = sql.SqlRestoreRequested(
        workflow_id=W, backup_id="0000000001", original_id="0000000001", instance=INSTANCE,
        target_instance=INSTANCE, databases=("DB1",), copy_groups=(), resync=True,
        standby=False, includes_system=True)
    host.record(requested, sql.SqlInstanceStopRequested(workflow_id=W, instance=INSTANCE),
                logs.SqlDatabaseStateChanged(workflow_id="w0", instance=INSTANCE,
                                             database="DB1", previous="", state="LOADING"))
    host.engine.stop(INSTANCE)  # the stop happened; its outcome was never recorded
    return requested


def test_the_stopped_instance_is_started_and_the_restore_ends_aborted(host):
    a_restore_cut_after_the_stop(host)
    outcome = host.run(sql.RecoverSqlWorkflows())
    assert isinstance(outcome, CommandCompleted)
    assert outcome.result["workflows"] == [{"workflow_id": W, "kind": "restore",
                                            "ended": "aborted"}]
    assert host.engine.status(INSTANCE) == "RUNNING"
    kinds = [type(e).__name__ for e in host.events[-4:]]
    assert kinds == ["SqlInstanceStartRequested", "SqlInstanceStarted",
                     "SqlDatabaseStateChanged", "SqlRestoreAborted"]
    observed, aborted = host.events[-2], host.events[-1]
    assert (observed.previous, observed.state) == ("LOADING", "ONLINE")  # what it really is
    assert aborted.reason.startswith("agent restarted during stop:default")
    assert host.view.sql_logs.unfinished() == []


def test_the_interrupted_command_answers_failed_once_recovery_ended_it(host):
    requested = a_restore_cut_after_the_stop(host)
    prior = list(envelopes([requested]))
    assert settle(prior, host.view) is None  # still open: recovery has to run first
    host.run(sql.RecoverSqlWorkflows())
    answer = settle(prior, host.view)
    assert isinstance(answer, CommandFailed) and answer.command == "RestoreSqlDatabases"
    assert "DRM-10045" in answer.text


def test_a_roll_forward_cut_by_a_crash_leaves_the_chain_partial(host):
    host.record(sql.SqlRecoveryRequested(workflow_id=W, instance=INSTANCE, databases=("DB1",),
                                         finish="online", logs=2),
                logs.SqlRollForwardRequested(workflow_id=W, instance=INSTANCE, database="DB1",
                                             files=("/l/a.bk", "/l/b.bk"), finish="ONLINE"))
    host.run(sql.RecoverSqlWorkflows())
    assert type(host.events[-1]).__name__ == "SqlRecoveryAborted"
    mark = host.view.sql_logs.roll_forwards["default/DB1"]
    assert not mark.chain_complete
