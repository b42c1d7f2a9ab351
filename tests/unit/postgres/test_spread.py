"""``drm pg backup -spread`` (issue 14, pg-more): the freeze asks ``pg_backup_start`` for a
spread checkpoint; without it, the immediate one."""
from __future__ import annotations

from types import SimpleNamespace

from services.agent.plan import Freeze, Thaw
from services.agent.runner import StepRunner
from tests.unit.postgres.fake_postgres import FakePostgres

CLUSTER = "pg1"


def test_a_spread_backup_asks_pg_backup_start_for_a_spread_checkpoint(tmp_path):
    server = FakePostgres(CLUSTER, ())
    ports = SimpleNamespace(storage=None,
                            application=lambda kind: server if kind == "postgresql" else None)
    context = SimpleNamespace(ports=ports, record=[].extend, progress=lambda text: None)
    runner = StepRunner(context, "wf-1")
    runner.run_plan([Freeze("postgresql", CLUSTER, (), 60, tmp_path, "0000000001",
                            (("fast", False),)), Thaw("postgresql", CLUSTER)])
    runner.run_plan([Freeze("postgresql", CLUSTER, (), 60, tmp_path, "0000000002"),
                     Thaw("postgresql", CLUSTER)])
    assert server.calls == ["pg_backup_start spread", "pg_backup_stop", "pg_backup_start",
                            "pg_backup_stop"]
