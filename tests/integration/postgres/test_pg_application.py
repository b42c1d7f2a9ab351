"""The PostgreSQL application adapter against real binaries: a private cluster (its own socket
and port, run as ``postgres``) on the P-VOLs of a simulated array, backed up by split during a
pgbench load, its WAL streamed by ``pg_receivewal``, destroyed, and restored.

One module-scoped cluster serves every test (the backup is expensive). The tests that only look
leave it as they found it, so they may run alone, in any order, or on different xdist workers
(each worker builds its own cluster). The restores change it for good: each one starts from
the timelines and rows the previous one left, so they are one test, the last, that runs them
in order. (As separate tests, ``-k`` or xdist's distribution ran some without those before
them; an ``xdist_group`` mark does not keep them together either: with pytest 9.2,
``--dist loadgroup`` of pytest-xdist 3.8 groups nothing, pytest-xdist issue 1386.)
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from adapters.postgres.application import PostgresApplication
from adapters.postgres.wal import parse_lsn, parse_segment
from services.agent.application_port import (LOADING, ONLINE, RUNNING, STANDBY, STOPPED,
                                             ApplicationError,
                                             ApplicationPort)
from tests.pg_lab import CLUSTER, PLACES, free_port, make_lab, needs_postgres, pg_base, pvol

pytestmark = needs_postgres()
ABORTED = "aborting backup due to backend exiting before pg_backup_stop was called"
CHECKSUM = "SELECT count(*), md5(string_agg(id || ':' || v, ',' ORDER BY id)) FROM ck"


def sql(spec, query, params=None):
    with psycopg.connect(spec.conninfo(), autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def pgbench(app, spec, *args, background=False):
    argv = ("-h", str(spec.socket_dir), "-p", str(spec.port), *args, "postgres")
    if background:
        return subprocess.Popen(app.control(CLUSTER).command("pgbench", *argv),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return app.control(CLUSTER).run("pgbench", *argv)


def split_all(storage):
    for name in PLACES:
        storage.pairsplit(pvol(name), "0")
    for name in PLACES:
        storage.pairevtwait(pvol(name), "0", "PSUS", 60)


def restore_volumes(storage):
    """What a restore by resync does: S-VOL back onto the P-VOL, then split again."""
    for name in PLACES:
        storage.pairresync(pvol(name), "0", restore=True)
    for name in PLACES:
        storage.pairevtwait(pvol(name), "0", "PAIR", 60)
    split_all(storage)


@pytest.fixture(scope="module")
def story():
    """A cluster with a tablespace, a backup taken by split during pgbench, then ten
    committed rows in two halves (``between`` is a time after the first five)."""
    base = pg_base()
    lab, storage, spec = make_lab(base, free_port())
    app = PostgresApplication([spec])
    try:
        app.initdb(CLUSTER, [("fsync", "off")])
        app.start(CLUSTER)
        app.start_log_backups(CLUSTER)
        pgbench(app, spec, "-i", "-s", "1", "-q")
        sql(spec, f"CREATE TABLESPACE ts1 LOCATION '{spec.tablespaces[0][1]}'")
        sql(spec, "CREATE TABLE ck (id int PRIMARY KEY, v text) TABLESPACE ts1")
        for name in PLACES:
            storage.pairresync(pvol(name), "0")
        for name in PLACES:
            storage.pairevtwait(pvol(name), "0", "PAIR", 60)
        load = pgbench(app, spec, "-T", "3", "-c", "2", background=True)
        freeze, _ = app.freeze(CLUSTER, ["postgres"], 60, base / "meta", "B1")
        split_all(storage)
        metadata = app.thaw(freeze)
        assert load.wait(60) == 0, load.stderr.read()
        for i in range(1, 6):
            sql(spec, "INSERT INTO ck VALUES (%s, md5(%s::text))", (i, str(i)))
        time.sleep(0.05)  # commit timestamps are microseconds; keep "between" clear of both
        between = sql(spec, "SELECT now()::text")[0][0]
        time.sleep(0.05)
        for i in range(6, 11):
            sql(spec, "INSERT INTO ck VALUES (%s, md5(%s::text))", (i, str(i)))
        latest = sql(spec, CHECKSUM)[0]
        bench = sql(spec, "SELECT sum(abalance) FROM pgbench_accounts")[0][0]
        logs = app.log_backup(CLUSTER, "postgres", base)
        yield dict(base=base, storage=storage, spec=spec, app=app, metadata=metadata,
                   between=between, latest=latest, bench=bench, last_log=logs)
    finally:
        app.close()
        for mode in ("immediate",):
            try:
                app.control(CLUSTER).stop(mode)
            except ApplicationError:
                pass
        shutil.rmtree(base, ignore_errors=True)


def destroy_and_restore(story):
    app, spec = story["app"], story["spec"]
    app.control(CLUSTER).stop("immediate")
    shutil.rmtree(spec.data_dir)  # the disaster
    spec.data_dir.mkdir()
    restore_volumes(story["storage"])
    return app.restored(CLUSTER, ["postgres"], story["metadata"], standby=False)


def amcheck(story):
    spec = story["spec"]
    return story["app"].control(CLUSTER).run(
        "pg_amcheck", "-h", str(spec.socket_dir), "-p", str(spec.port), "--all",
        "--install-missing", "--heapallindexed", check=False)


def test_the_adapter_is_an_application_port():
    assert isinstance(PostgresApplication.__new__(PostgresApplication), ApplicationPort)


def test_initdb_puts_data_wal_and_tablespace_on_their_pvols_owned_by_postgres(story):
    spec, app = story["spec"], story["app"]
    assert (spec.data_dir / "pg_wal").resolve() == spec.wal_dir.resolve()
    for directory in (spec.data_dir, spec.wal_dir, spec.tablespaces[0][1]):
        info = directory.stat()
        assert (info.st_uid, info.st_mode & 0o777) == (app.control(CLUSTER).user.pw_uid, 0o700)
    (postgres,) = [d for d in app.databases(CLUSTER) if d.name == "postgres"]
    assert postgres.state == ONLINE and postgres.system
    kinds = {f.kind: f.path for f in postgres.files}
    assert kinds == {"data": str(spec.data_dir), "wal": str(spec.wal_dir),
                     "tablespace": str(spec.tablespaces[0][1])}
    assert app.status(CLUSTER) == RUNNING and app.instances() == (CLUSTER,)


def test_the_backup_leaves_a_label_a_tablespace_map_and_its_lsn_range(story):
    label, space_map, info = story["metadata"]
    text = Path(label.path).read_text()
    assert "START WAL LOCATION" in text and "LABEL: drm B1" in text
    oid = sql(story["spec"], "SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'")[0][0]
    assert Path(space_map.path).read_text().startswith(f"{oid} ")
    assert Path(info.path).stat().st_size == info.size


def test_streamed_wal_arrives_as_finished_segments_with_their_lsn_range(story):
    log, spec = story["last_log"], story["spec"]
    segment = parse_segment(Path(log.path).name, spec.segment_size)
    assert (log.first_lsn, log.last_lsn) == (segment.start_lsn, segment.end_lsn)
    assert log.size == spec.segment_size and log.timeline == 1
    area = story["app"].receiver(CLUSTER).area
    assert not [n for n in os.listdir(area.root) if n.endswith(".partial")]
    assert area.describe(Path(log.path).name).sha256 == log.sha256


def test_a_freeze_that_outlives_its_timeout_aborts_the_backup(story):
    app, spec = story["app"], story["spec"]
    already = log_length(spec)
    freeze, _ = app.freeze(CLUSTER, ["postgres"], 0.3, story["base"] / "meta", "B-timeout")
    while sql(spec, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'drm-backup'")[0][0]:
        time.sleep(0.05)  # the timer closes the session; the server aborts the backup
    with pytest.raises(ApplicationError) as caught:
        app.thaw(freeze)
    assert caught.value.reason == "frozen-timeout"
    assert ABORTED in log_since(spec, already)


def test_an_agent_killed_during_a_freeze_leaves_no_backup_in_progress(story):
    spec = story["spec"]
    already = log_length(spec)
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True, "
        "application_name='drm-dying'); c.execute(\"SELECT pg_backup_start('dying', true)\"); "
        "print('frozen', flush=True); sys.stdin.read()"), spec.conninfo()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "frozen"
    child.send_signal(signal.SIGKILL)
    child.wait()
    while sql(spec, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'drm-dying'")[0][0]:
        time.sleep(0.05)
    assert ABORTED in log_since(spec, already)  # this backup's abort, not an earlier one's


def log_length(spec) -> int:
    return spec.server_log.stat().st_size


def log_since(spec, offset: int) -> str:
    """What the server logged after ``offset`` (waits briefly: the log is written after the
    session is gone)."""
    deadline = time.monotonic() + 10
    while True:
        with open(spec.server_log, "rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        if ABORTED in text or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def restore_to_latest_gives_exactly_the_committed_rows_on_a_new_timeline(story):
    """Timeline 2; row 11 written on it."""
    app, spec = story["app"], story["spec"]
    (restored,) = {d.state for d in destroy_and_restore(story)}
    assert restored == LOADING and app.status(CLUSTER) == STOPPED
    app.apply_logs(CLUSTER, "postgres", [], finish=ONLINE)
    assert sql(spec, CHECKSUM)[0] == story["latest"]
    assert sql(spec, "SELECT sum(abalance) FROM pgbench_accounts")[0][0] == story["bench"]
    checked = amcheck(story)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    end = app.recovery_end(CLUSTER)
    assert end.timeline == 2 and end.lsn > 0 and end.time > 0
    app.start_log_backups(CLUSTER, fresh=True)
    sql(spec, "INSERT INTO ck VALUES (11, 'after the restore')")
    app.switch_wal(CLUSTER)
    label_info = json.loads(Path(story["metadata"][2].path).read_text())
    report = app.chain(CLUSTER, parse_lsn(label_info["start_lsn"]), label_info["timeline"])
    assert report.complete and report.timelines == (1, 2), report


def a_gap_is_refused_before_recovery_and_pitr_stops_between_two_transactions(story):
    """Timeline 3, branched from timeline 2's history; row 12 written on it."""
    app, spec = story["app"], story["spec"]
    destroy_and_restore(story)
    area = app.receiver(CLUSTER).area
    info = json.loads(Path(story["metadata"][2].path).read_text())
    victim = app.chain(CLUSTER, parse_lsn(info["start_lsn"]), info["timeline"]).first_needed
    hidden = story["base"] / victim
    os.rename(area.root / victim, hidden)
    with pytest.raises(ApplicationError) as caught:
        app.apply_logs(CLUSTER, "postgres", [], finish=ONLINE, target=f"time:{story['between']}")
    assert caught.value.reason == "log-chain" and victim in str(caught.value)
    assert app.status(CLUSTER) == STOPPED  # nothing was started
    os.rename(hidden, area.root / victim)
    app.apply_logs(CLUSTER, "postgres", [], finish=ONLINE, target=f"time:{story['between']}")
    assert sql(spec, "SELECT array_agg(id ORDER BY id) FROM ck")[0][0] == [1, 2, 3, 4, 5]
    assert app.recovery_end(CLUSTER).timeline == 3  # a child of timeline 2's history
    assert amcheck(story).returncode == 0
    app.start_log_backups(CLUSTER, fresh=True)
    sql(spec, "INSERT INTO ck VALUES (12, 'on timeline 3')")
    app.switch_wal(CLUSTER)


def a_restore_left_loading_then_standby_reads_the_latest_rows_and_can_be_recovered(story):
    """Reads timeline 3's rows as a standby, then timeline 4; row 13 written on it."""
    app, spec = story["app"], story["spec"]
    destroy_and_restore(story)
    loading = app.apply_logs(CLUSTER, "postgres", [], finish=LOADING)
    assert loading.state == LOADING and app.status(CLUSTER) == STOPPED
    standby = app.apply_logs(CLUSTER, "postgres", [], finish=STANDBY)
    assert standby.state == STANDBY and app.status(CLUSTER) == RUNNING
    assert sql(spec, "SELECT array_agg(id ORDER BY id) FROM ck")[0][0] == [1, 2, 3, 4, 5, 12]
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        sql(spec, "INSERT INTO ck VALUES (13, 'refused')")
    online = app.apply_logs(CLUSTER, "postgres", [], finish=ONLINE)
    assert online.state == ONLINE and app.recovery_end(CLUSTER).timeline == 4
    sql(spec, "INSERT INTO ck VALUES (13, 'accepted')")
    with pytest.raises(ApplicationError) as caught:  # a primary has no restore to continue
        app.apply_logs(CLUSTER, "postgres", [], finish=ONLINE)
    assert caught.value.reason == "state"


def a_second_agent_adopts_the_running_receiver_instead_of_starting_another(story):
    """On the primary the restores left."""
    app, spec = story["app"], story["spec"]
    app.start_log_backups(CLUSTER, fresh=True)
    other = PostgresApplication([spec])  # as after an agent restart
    other.start_log_backups(CLUSTER)
    assert other.receiver(CLUSTER).process is None
    assert len(other.receiver(CLUSTER).adopted) == 1
    sql(spec, "INSERT INTO ck VALUES (14, 'streamed')")
    assert other.switch_wal(CLUSTER)
    other.stop_log_backups(CLUSTER)
    assert not app.receiver(CLUSTER).running()


def test_restores_one_after_another_each_on_a_new_timeline_and_a_second_agent_adopts(story):
    """The restores of the story, in order: each step expects the timelines and rows of the
    ones before it."""
    restore_to_latest_gives_exactly_the_committed_rows_on_a_new_timeline(story)
    a_gap_is_refused_before_recovery_and_pitr_stops_between_two_transactions(story)
    a_restore_left_loading_then_standby_reads_the_latest_rows_and_can_be_recovered(story)
    a_second_agent_adopts_the_running_receiver_instead_of_starting_another(story)
