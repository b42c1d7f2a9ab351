"""Both volumes lost (issue 14, pg-more): the data and the WAL volume are destroyed; restore
plus recovery to ``latest`` reaches the last backed-up WAL (the rows committed before it, none
after) and the product reports the timeline, LSN and time reached. Skipped (reason shown)
where the PostgreSQL binaries are absent."""
from __future__ import annotations

import shutil
import time

import pytest

from services.agent.postgres.wal import parse_lsn, parse_segment
from tests.integration.postgres.test_pg_commands import (  # noqa: F401 - the fixture
    lab, result, rows, send, sql)
from tests.pg_lab import CLUSTER, needs_postgres

pytestmark = needs_postgres()


def wipe(directory) -> None:
    for item in directory.iterdir():
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()


def test_data_and_wal_volumes_lost_recovery_reaches_the_last_backed_up_wal(lab):
    agent, app, spec = lab
    result(send(agent, "ConfigurePgCluster", cluster=CLUSTER))
    sql(spec, "CREATE TABLE checks (n int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())")
    sql(spec, "INSERT INTO checks (n) SELECT generate_series(1, 100)")
    backup_id = result(send(agent, "BackupPgCluster", cluster=CLUSTER))["backup_id"]
    sql(spec, "INSERT INTO checks (n) VALUES (101)")
    last_backed_up = sql(spec, "SELECT at FROM checks WHERE n = 101")[0][0]
    archived = result(send(agent, "BackupPgLogs", cluster=CLUSTER))["files"]
    time.sleep(0.2)
    sql(spec, "INSERT INTO checks (n) VALUES (102)")  # only in pg_wal: lost with the volume

    app.stop(CLUSTER)  # disaster: both the data and the WAL volume are destroyed
    wipe(spec.data_dir)
    wipe(spec.wal_dir)

    restored = result(send(agent, "RestorePgCluster", backup_id=backup_id))
    assert restored["chain"]["complete"]
    ended = result(send(agent, "RecoverPgCluster", cluster=CLUSTER, target="latest"))
    assert rows(spec) == list(range(1, 102))  # up to the last backed-up WAL, none after
    last_segment = max(name for name in archived if len(name) == 24)
    start = parse_segment(last_segment, spec.segment_size)[1] * spec.segment_size
    assert start <= parse_lsn(ended["lsn"]) <= start + spec.segment_size  # where it stopped
    assert ended["timeline"] == 2 and ended["reached_at"]  # reported: timeline, LSN and time
    assert ended["reached_at"][:19] == last_backed_up.astimezone(
        ended_tz(ended["reached_at"])).isoformat()[:19]
    recovery = list(agent.view.postgres.recoveries.values())[-1]
    assert (recovery.ended, recovery.lsn) == ("ended", ended["lsn"])


def ended_tz(text: str):
    from datetime import datetime
    return datetime.fromisoformat(text).tzinfo
