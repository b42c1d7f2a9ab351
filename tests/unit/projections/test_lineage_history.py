"""The history of a lineage (``drm lineage``): the events that acted on its entries, through
their workflows, and nothing of another backup (issue 13)."""
from __future__ import annotations

from datetime import timedelta

from events import application as app, sql_logs as logs, sql_restore as rs
from projections.lineage import entries_of, lineage
from projections.lineage_history import detail_of, history
from tests.unit.agent_fs.views import T0, recorded
from tests.unit.transfer.test_lineage import stream

DB = "FSServer"  # the origin host of tests.unit.agent_fs.views.recorded


def frozen(workflow: str, databases=("UserDB1",)):
    return app.ApplicationFrozen(workflow_id=workflow, kind="mssql", instance="default",
                                 databases=databases, token="t", frozen_at=0, timeout=60)


def log_backup(workflow: str, backup_id: str, seq: int):
    return logs.SqlLogBackupRecorded(
        workflow_id=workflow, instance="default", database="UserDB1", path=f"/l/{seq}.trn",
        first_lsn=seq, last_lsn=seq + 1, size=1, sha256="a" * 64, chain_seq=seq,
        backup_id=backup_id, original_id=backup_id, taken_at=T0)


def restore(workflow: str, backup_id: str):
    return [rs.SqlRestoreRequested(workflow_id=workflow, backup_id=backup_id,
                                   original_id=backup_id, instance="default",
                                   target_instance="default", databases=("UserDB1",),
                                   copy_groups=(), resync=True, standby=False),
            logs.SqlDatabaseStateChanged(workflow_id=workflow, instance="default",
                                         database="UserDB1", previous="OFFLINE",
                                         state="LOADING", reason="restored"),
            rs.SqlRestoreCompleted(workflow_id=workflow, backup_id=backup_id,
                                   original_id=backup_id, target_instance="default",
                                   databases=("UserDB1",))]


def recovery(workflow: str):
    return [rs.SqlRecoveryRequested(workflow_id=workflow, instance="DEFAULT",
                                    databases=("UserDB1",), finish="online", logs=0),
            rs.SqlRecoveryCompleted(workflow_id=workflow, instance="default",
                                    databases=("UserDB1",))]


def db_stream():
    first = recorded("0000000001", ["SI01,sql01"]).model_copy(update={"workflow_id": "w1"})
    other = recorded("0000000002", ["SI02,sql01"]).model_copy(update={"workflow_id": "w2"})
    payloads = [frozen("w1"), first, frozen("w2"), other, log_backup("w3", "0000000001", 1),
                log_backup("w4", "0000000002", 1), *restore("w5", "0000000001"),
                *recovery("w6"), *restore("w7", "0000000002"), *recovery("w8")]
    return stream(DB, *((minute, p) for minute, p in enumerate(payloads)))


def test_the_history_follows_workflows_and_names_and_leaves_other_backups_out():
    events = db_stream()
    found = lineage({DB: entries_of(events)}, DB, "0000000001")
    shown = history({DB: events}, found)
    assert [(h.event_type, h.workflow_id) for h in shown] == [
        ("ApplicationFrozen", "w1"), ("SqlLogBackupRecorded", "w3"),
        ("SqlRestoreRequested", "w5"), ("SqlDatabaseStateChanged", "w5"),
        ("SqlRestoreCompleted", "w5"), ("SqlRecoveryRequested", "w6"),
        ("SqlRecoveryCompleted", "w6")]
    assert [h.backup_id for h in shown] == ["", "0000000001", "0000000001", "", "0000000001",
                                            "0000000001", ""]
    assert shown == sorted(shown, key=lambda h: h.occurred_at)
    assert shown[0].occurred_at == T0 and shown[-1].occurred_at > T0 + timedelta(minutes=5)


def test_the_other_backup_has_its_own_history():
    events = db_stream()
    shown = history({DB: events}, lineage({DB: entries_of(events)}, DB, "0000000002"))
    assert [h.workflow_id for h in shown] == ["w2", "w4", "w7", "w7", "w7", "w8", "w8"]


def test_a_detail_is_short_and_names_records_by_their_name():
    assert detail_of({"instance": "default", "databases": [{"name": "A"}, {"name": "B"}],
                      "path": "/x"}) == "instance=default databases=A,B"
    assert len(detail_of({"reason": "x" * 500})) == 160
