"""The consumer lease of a reporting database: one ``serve`` or ``rebuild`` at a time, refused at
once (``DRM-90007``) without changing anything, and freed by the death of its holder, SIGKILL
included. On PostgreSQL (advisory lock) and SQLite (``flock`` on ``report.db.lease``)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.db import make_engine
from adapters.migrations import upgrade
from adapters.reporting.lease import ConsumerLease, LeaseHeld
from adapters.reporting.store import ReportingStore
from services.cli.main import main
from tests.integration.reporting.conftest import snapshot, wait_until
from tests.integration.reporting.test_embedded import host_store
from tests.reporting_history import history, write_to_store

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["sqlite", "postgres"])
def any_report_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'report.db'}"
    return request.getfixturevalue("report_url")


class TestConsumerLease:
    def test_a_second_holder_is_refused_and_told_who_holds_it(self, any_report_url):
        engine = make_engine(any_report_url)
        first = ConsumerLease(engine, "drm report serve").acquire()
        try:
            with pytest.raises(LeaseHeld, match="in use by drm report serve") as refused:
                ConsumerLease(engine, "drm report rebuild").acquire()
            assert f"pid {os.getpid()}" in refused.value.holder
        finally:
            first.release()
        with ConsumerLease(engine, "drm report rebuild") as second:
            assert second.held
        engine.dispose()

    def test_check_tells_whether_the_lease_is_still_held(self, any_report_url):
        engine = make_engine(any_report_url)
        lease = ConsumerLease(engine)
        assert not lease.check()
        lease.acquire()
        assert lease.check()
        lease.release()
        assert not lease.check()
        engine.dispose()

    def test_release_is_idempotent_and_the_lease_can_be_taken_again(self, any_report_url):
        engine = make_engine(any_report_url)
        lease = ConsumerLease(engine).acquire()
        lease.release()
        lease.release()
        assert ConsumerLease(engine).acquire().held
        engine.dispose()


def serve_process(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "services.cli.main", "report", "serve"],
                            env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def killed(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def refused(argv, capsys) -> str:
    capsys.readouterr()
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert err.startswith("KAVX0006-E") and "DRM-90007" in err
    return err


class TestEmbeddedSqlite:
    @pytest.fixture
    def data_dir(self, tmp_path, monkeypatch):
        for name in ("DRM_BROKER_URL", "DRM_DATABASE_URL", "DRM_REPORT_DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path))
        write_to_store(host_store(tmp_path, "FS1"), list(history("FS1", 40)))
        return tmp_path

    def test_serve_excludes_serve_and_rebuild_until_it_is_killed(self, data_dir, capsys):
        process = serve_process({k: v for k, v in os.environ.items()})
        engine = make_engine(f"sqlite:///{data_dir / 'report.db'}")
        upgrade(engine)
        store = ReportingStore(engine)
        try:
            assert wait_until(lambda: [c.host for c in store.chains()] == ["FS1"], timeout=60)
            before = snapshot(store)
            err = refused(["report", "serve"], capsys)
            assert "drm report serve (pid" in err
            refused(["report", "rebuild"], capsys)
            assert snapshot(store) == before  # the refused rebuild cleared nothing
            assert main(["report", "summary", "--json"]) == 0  # reads without catching up
            assert "DRMX9007-I" in capsys.readouterr().err
        finally:
            killed(process)
        ConsumerLease(engine).acquire(wait=5).release()  # no stale lease
        assert (data_dir / "report.db.lease").exists()
        capsys.readouterr()
        assert main(["report", "rebuild"]) == 0
        assert snapshot(store) == before
        engine.dispose()

    def test_an_embedded_report_waits_for_another_catch_up(self, data_dir, capsys):
        engine = make_engine(f"sqlite:///{data_dir / 'report.db'}")
        upgrade(engine)
        holder = ConsumerLease(engine, "drm report").acquire()
        try:
            import services.cli.report_common as common
            common.CATCH_UP_WAIT, saved = 0.3, common.CATCH_UP_WAIT
            try:
                assert main(["report", "summary", "--json"]) == 0
            finally:
                common.CATCH_UP_WAIT = saved
            assert "in use by drm report (pid" in capsys.readouterr().err
            assert ReportingStore(engine).chains() == []  # it wrote nothing meanwhile
        finally:
            holder.release()
        assert main(["report", "summary", "--json"]) == 0
        assert [c.host for c in ReportingStore(engine).chains()] == ["FS1"]
        engine.dispose()


@pytest.mark.amqp
@pytest.mark.postgres
class TestDistributedPostgres:
    def test_serve_excludes_serve_and_rebuild_until_it_is_killed(
            self, broker, stream, report_store, report_url, tmp_path, monkeypatch, capsys):
        env = {"DRM_BROKER_URL": broker.url, "DRM_NAMESPACE": broker.topology.namespace,
               "DRM_REPORT_DATABASE_URL": report_url, "DRM_DATA_DIR": str(tmp_path)}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("DRM_DATABASE_URL", raising=False)
        events = list(history(broker.host(), 30))
        stream(events)
        process = serve_process({**os.environ})
        try:
            assert wait_until(lambda: any(c.last_seq == events[-1].seq
                                          for c in report_store.chains()), timeout=60)
            before = snapshot(report_store)
            err = refused(["report", "serve", "--until-idle", "1"], capsys)
            assert "drm report serve (pid" in err
            refused(["report", "rebuild", "--idle", "1"], capsys)
            assert snapshot(report_store) == before
        finally:
            killed(process)
        lease = ConsumerLease(report_store.engine).acquire(wait=10)  # the session ended
        lease.release()
        assert main(["report", "rebuild", "--idle", "1.5"]) == 0
        assert snapshot(report_store) == before

    def test_serve_stops_with_an_error_when_its_lease_session_ends(
            self, broker, stream, report_store, report_url, tmp_path, monkeypatch):
        env = {**os.environ, "DRM_BROKER_URL": broker.url, "DRM_DATA_DIR": str(tmp_path),
               "DRM_NAMESPACE": broker.topology.namespace, "DRM_REPORT_DATABASE_URL": report_url}
        env.pop("DRM_DATABASE_URL", None)
        events = list(history(broker.host(), 10))
        stream(events)
        process = serve_process(env)
        try:
            assert wait_until(lambda: any(c.last_seq == events[-1].seq
                                          for c in report_store.chains()), timeout=60)
            with report_store.engine.connect() as conn:  # as a server restart would
                ended = conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                    "datname = current_database() AND application_name LIKE 'drm report serve%'"
                )).scalar()
            assert ended == 1
            _, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                killed(process)
        assert process.returncode != 0
        assert "DRM-90007" in err.decode() and "lease of the reporting database was lost" in \
            err.decode()
