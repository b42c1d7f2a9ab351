"""A real ``drm report serve`` process SIGKILLed while it works through the log, then started
again: every event is applied exactly once, and the tables equal a clean replay."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.reporting.queries import ReportQueries
from adapters.reporting.tables import report_commands, report_position
from projections.host_fold import fold
from projections.reporting.view_rows import view_rows
from tests.integration.reporting.conftest import consume_all, snapshot, source_for, wait_until
from tests.reporting_history import history

pytestmark = [pytest.mark.amqp, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[3]


def serve(broker, report_url, *extra) -> subprocess.Popen:
    env = {**os.environ, "DRM_BROKER_URL": broker.url,
           "DRM_NAMESPACE": broker.topology.namespace, "DRM_REPORT_DATABASE_URL": report_url,
           "PYTHONPATH": str(ROOT)}
    env.pop("DRM_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "services.cli.main", "report", "serve",
                             "--batch-size", "250", *extra], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def position(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.max(report_position.c.stream_offset))).scalar() or 0


class TestKillAndRestart:
    def test_nothing_is_lost_or_doubled_after_a_sigkill_mid_batch(
            self, broker, stream, report_store, report_url, postgres_server_url):
        histories = {host: list(history(host, 1500)) for host in (broker.host(), broker.host())}
        events = sorted((e for h in histories.values() for e in h),
                        key=lambda e: (e.occurred_at, e.host, e.seq))
        stream(events)
        process = serve(broker, report_url)
        try:
            assert wait_until(lambda: position(report_store) > 2000, timeout=60)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        killed_at = position(report_store)
        assert 0 < killed_at < len(events) - 1, "the kill must land while work remains"

        again = serve(broker, report_url, "--until-idle", "2")
        assert again.wait(120) == 0, again.stderr.read().decode()
        assert position(report_store) == len(events) - 1

        queries = ReportQueries(report_store)
        found = snapshot(report_store)
        assert len(found["events"]) == len(events) and found["alerts"] == []
        for host, own in histories.items():
            seqs = [row[1] for row in found["events"] if row[0] == host]
            assert seqs == list(range(1, len(own) + 1))
            assert queries.view_rows(host) == view_rows(fold(host, own))
        with report_store.engine.connect() as conn:
            commands = conn.execute(select(func.count()).select_from(report_commands)).scalar()
            unfinished = conn.execute(select(func.count()).select_from(report_commands)
                                      .where(report_commands.c.outcome.is_(None))).scalar()
        assert commands == len({e.command_id for e in events}) and unfinished == 0

        live = snapshot(report_store)
        report_store.clear()
        consume_all(report_store, source_for(broker))
        assert snapshot(report_store) == live
