"""The embedded mode: no broker, no server. The reports read the hosts' local stores under
``DRM_DATA_DIR`` through the same consumer and fold, into ``<data_dir>/report.db``."""
from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from sqlalchemy import text

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from projections.host_fold import fold
from services.cli.catalog_layouts import fscat_lines
from services.cli.main import main
from tests.reporting_history import START, history, write_to_store


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    for name in ("DRM_BROKER_URL", "DRM_DATABASE_URL", "DRM_REPORT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path))
    return tmp_path


def host_store(data_dir, host) -> SqlEventStore:
    engine = make_engine(f"sqlite:///{data_dir / 'hosts' / host / 'events.db'}")
    upgrade(engine)
    return SqlEventStore(engine)


@pytest.fixture
def two_hosts(data_dir):
    histories = {"FS1": list(history("FS1", 200)), "FS2": list(history("FS2", 80))}
    for host, events in histories.items():
        write_to_store(host_store(data_dir, host), events)
    return histories


def test_verify_rebuild_and_as_of_work_on_a_fresh_machine(data_dir, two_hosts, capsys):
    assert main(["audit", "verify"]) == 0
    assert "FS1: seq 1..%d, chain intact" % len(two_hosts["FS1"]) in capsys.readouterr().out
    assert (data_dir / "report.db").exists()
    assert main(["report", "rebuild"]) == 0
    assert f"{sum(map(len, two_hosts.values()))} events" in capsys.readouterr().out
    moment = START + timedelta(minutes=45, seconds=10)
    assert main(["report", "catalog", "--host", "FS1", "--as-of", moment.isoformat()]) == 0
    shown = capsys.readouterr().out.splitlines()
    view = fold("FS1", [e for e in two_hosts["FS1"] if e.occurred_at <= moment])
    assert main(["report", "catalog", "--host", "FS1", "--as-of", moment.isoformat(),
                 "--json"]) == 0
    entries = orjson.loads(capsys.readouterr().out)["entries"]
    assert sorted(e["backup_id"] for e in entries) == sorted(view.catalog)
    assert shown == fscat_lines(entries, ())


def test_new_events_in_a_local_store_are_picked_up_by_the_next_report(data_dir, two_hosts,
                                                                     capsys):
    assert main(["report", "locks", "--host", "FS2", "--json"]) == 0
    capsys.readouterr()
    more = list(history("FS3", 20))
    write_to_store(host_store(data_dir, "FS3"), more)
    assert main(["report", "summary", "--json"]) == 0
    hosts = [h["host"] for h in orjson.loads(capsys.readouterr().out)["hosts"]]
    assert hosts == ["FS1", "FS2", "FS3"]


def test_an_edited_local_store_fails_verification_naming_the_seq(data_dir, two_hosts, capsys):
    engine = host_store(data_dir, "FS2").engine
    with engine.begin() as conn:
        conn.execute(text("UPDATE drm_events SET principal = 'mallory' WHERE seq = 12"))
    assert main(["audit", "verify", "--host", "FS2"]) != 0
    captured = capsys.readouterr()
    assert "seq 12: content does not match its hash" in captured.out
    assert "FS2" in captured.err
