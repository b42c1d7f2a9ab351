"""The PostgreSQL workflow's pieces with a fake server (issue 14): what ``pg_backup_stop``
wrote becomes the entry's details; restart recovery starts a server a cold backup stopped and
always aborts a PostgreSQL backup without details."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.agent.application_port import ApplicationPort, RUNNING, STOPPED
from services.agent.postgres import recovery
from services.agent.postgres.wal import WalFormatError
from services.agent.postgres.workflows import label_facts
from tests.unit.agent_fs.views import view_of
from tests.unit.postgres.fake_postgres import FakePostgres
from tests.unit.postgres.streams import CLUSTER, backup, configured, pg_maps
from events import postgres as pg

MB = 1 << 20


def test_the_fake_honours_the_port():
    assert isinstance(FakePostgres(CLUSTER, ()), ApplicationPort)


def test_the_stop_files_give_the_start_stop_timeline_and_the_labels_hash(tmp_path):
    server = FakePostgres(CLUSTER, ())
    held, _ = server.freeze(CLUSTER, (), 60, tmp_path, "0000000007")
    written = server.thaw(held)
    facts = label_facts(written, 16 * MB)
    assert (facts["start_lsn"], facts["stop_lsn"], facts["timeline"]) == ("0/2000028",
                                                                          "0/3000100", 1)
    assert facts["start_wal"] == "000000010000000000000002"
    assert facts["stop_wal"] == "000000010000000000000003"
    assert facts["label_sha256"] == written[0].sha256 and "tablespace_map_path" not in facts
    assert [m.path for m in facts["metadata"]] == [m.path for m in written]


def test_stop_files_without_a_stop_position_are_refused(tmp_path):
    server = FakePostgres(CLUSTER, ())
    held, _ = server.freeze(CLUSTER, (), 60, tmp_path, "0000000007")
    label, *_ = server.thaw(held)
    with pytest.raises(WalFormatError, match="stop location"):
        label_facts((label,), 16 * MB)


def _context(view, server):
    recorded = []
    ports = SimpleNamespace(storage=None,
                            application=lambda kind: server if kind == "postgresql" else None)
    return SimpleNamespace(view=view, ports=ports, record=recorded.extend), recorded


def test_recovery_starts_a_server_a_cold_backup_left_stopped_and_aborts_the_backup():
    view = view_of(pg_maps(), configured(), *backup("0000000001", "w1", mode="COLD",
                                                    recorded=False))
    server = FakePostgres(CLUSTER, ())
    server.state = STOPPED
    context, recorded = _context(view, server)
    problems, abort = recovery.settle(context, view.workflows["w1"])
    assert abort and server.state == RUNNING and "started again" in problems[0]
    assert [type(e) for e in recorded] == [pg.PgServerStartRequested, pg.PgServerStarted]


def test_a_recorded_backup_is_ended_and_never_offered_to_recovery():
    view = view_of(pg_maps(), configured(), *backup("0000000001", "w1"))
    assert "w1" not in view.workflows and view.how_ended("w1") == "completed"
    assert [w.workflow_id for w in view.unfinished_workflows()] == []
