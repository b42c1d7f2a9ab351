"""Spec 05's worked examples end to end over RabbitMQ (issue 13): the agents of DBServer,
BKServer and DBServer2 each in its own process, one lab (``tests.e2e.sql_stories``), and the
exact rows of UserDB1 after every restore and recovery:

- §5.1 in the manual's steps: ``EX_DRM_RESYNC -cg``, ``EX_DRM_SQL_BACKUP`` (an MSSQL operation
  served by the generic extended commands), a log backup into the lab's log backup directory
  (never applied), ``drmsqlcat``,
  ``EX_DRM_BACKUPID_SET``, ``EX_DRM_SQL_RESTORE -resync`` (refused while the database is
  ONLINE), ``drmsqlrecover``: the backup's rows, the other database untouched;
- §5.6: a locked generation is skipped by the rotation (``drmcgctl`` shows it LOCKED with its
  backup, the superseded entry is gone), then unlocked;
- §5.15: ``drmresync -backup_id`` deletes the entry and pairs its copy group again;
- tape via the backup server for a SQL entry: export/import to BKServer, ``drmmediabackup``,
  the S-VOL overwritten by a newer backup, ``drmmediarestore``, the tape-restored entry back
  on DBServer under a new ID, ``drmsqlrestore -resync`` and ``drmsqlrecover``: the tape's rows;
- §5.9: the entry exported to DBServer2 (its SQL details travel), refused without
  ``-nochk_host``, restored with it and recovered there: the backup's rows on DBServer2;
- §5.14 (b) on DBServer2, the backup's data in place: ``drmsqlrestore -no_resync -nochk_host
  -instance instB`` and ``drmsqlrecover instB`` there; (c) on DBServer, from the S-VOL:
  ``drmsqlrestore -resync -instance instB``; both with the metafiles on the P-VOL (no VDI
  metafile directory): the backup's rows in instB.

Not repeated here (covered elsewhere): §5.4's log backups, tail-log backup, list files and a
gap refused (test_sql_restore_distributed), the agent killed during the freeze
(tests/crash/test_sql_crash).
"""
from __future__ import annotations

import signal
import subprocess

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.sql_story import stop_instances
from tests.e2e.sql_stories import (BK, DB, DB2, OPERATION, IMPORTED_ID, catalog_ids,
                                   define_operation, lab_sql, lock_status, new_id,
                                   pair_status, refused, rows, run, story_lab, write)
from tests.e2e.test_distributed_cli import wait_for_output

pytestmark = pytest.mark.amqp
HOSTS = (DB, BK, DB2)


def start_agent(cli: Cli, host: str) -> subprocess.Popen:
    agent = cli.start("agent", "--host", host)
    wait_for_output(agent, "Connected to")
    return agent


@pytest.fixture
def cli(broker, tmp_path):
    for host in HOSTS:
        broker.host(host)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME=DB))
    cli.run("lab", "init", str(story_lab(tmp_path / "lab-sql.toml")), check=True)
    agents = [start_agent(cli, host) for host in HOSTS]
    try:
        yield cli
    finally:
        for agent in agents:
            agent.send_signal(signal.SIGTERM)
        for agent in agents:
            assert agent.wait(30) == 0
        stop_instances(cli)


def test_worked_examples_over_the_broker(cli, tmp_path):
    bid_file = define_operation(cli)
    # §5.1: resync the always-split generation, back up online (UserDB1 at 100 rows)
    run(cli, "EX_DRM_RESYNC", OPERATION, "-cg", "SI01,sql01", "-copy_size", "7")
    ran = cli.run(OPERATION, "--host", DB, program="EX_DRM_SQL_BACKUP", check=True)
    assert "KAVX1207-I" not in ran.stdout + ran.stderr  # MSG_OUTPUT=NORMAL: no basic messages
    first = bid_file.read_text().strip()
    at_first, other = rows(cli), rows(cli, "UserDB2")
    write(cli, 20)
    # a log backup goes to the lab's log backup directory (as after drmsqlinit); not applied
    run(cli, "drmsqllogbackup", "default", "-target", "UserDB1")
    assert "UserDB1_" in run(cli, "drmsqllogbackup", "default", "-target", "UserDB1", "-v")
    assert f"BACKUP-ID: {first}" in run(cli, "drmsqlcat", "default")
    run(cli, "EX_DRM_BACKUPID_SET", OPERATION, "-backup_id", first)
    assert "KAVX0006-E" in refused(cli, "EX_DRM_SQL_RESTORE", OPERATION, "-resync")  # ONLINE
    lab_sql(cli, "offline", "UserDB1")  # a restore of user databases only: the DBA's step
    run(cli, "EX_DRM_SQL_RESTORE", OPERATION, "-resync")
    run(cli, "drmsqlrecover", "default")
    assert rows(cli) == at_first == 100
    assert rows(cli, "UserDB2") == other  # the other volume was not touched

    # §5.6: lock backup 1's generation; three backups rotate over SI02 and SI03 only
    assert "KAVX0302-I" in run(cli, "drmcgctl", "-backup_id", first, "-mode", "lock")
    made = {}
    for _ in range(3):
        count = write(cli, 5)
        made[new_id(run(cli, "drmsqlbackup", "default", "-target", "UserDB1"))] = count
    second, third, fourth = made
    assert lock_status(cli)["SI01,sql01"] == ("LOCKED", first)
    assert catalog_ids(cli) == [first, third, fourth]  # 4 went to SI02, superseding 2
    assert "KAVX0303-I" in run(cli, "drmcgctl", "-backup_id", first, "-mode", "unlock")

    # §5.15: drmresync -backup_id deletes the entry and pairs its copy group again
    run(cli, "drmresync", "-backup_id", fourth)
    assert catalog_ids(cli) == [first, third] and pair_status(cli, "SI02") == "PAIR"

    # tape via the backup server: backup 3 to tape, its S-VOL overwritten, back from tape
    export = tmp_path / "backup3.drm"
    run(cli, "drmdbexport", third, "-f", str(export))
    on_bk = IMPORTED_ID.search(run(cli, "drmdbimport", "-f", str(export), host=BK)).group(1)
    run(cli, "drmtapeinit", "-product", "NBU", "-retention_days", "30", host=BK)
    run(cli, "drmmount", on_bk, host=BK)
    tape = new_id(run(cli, "drmmediabackup", on_bk, host=BK))
    run(cli, "drmumount", on_bk, host=BK)
    write(cli, 5)
    run(cli, "drmsqlbackup", "default", "-target", "UserDB1", "-rc", "local_2")  # SI03 again
    run(cli, "drmmount", tape, host=BK)
    run(cli, "drmmediarestore", tape, host=BK)
    run(cli, "drmumount", tape, host=BK)
    from_tape = catalog_ids(cli, BK)[-1]
    back = tmp_path / "from-tape.drm"
    run(cli, "drmdbexport", from_tape, "-f", str(back), host=BK)
    restored = IMPORTED_ID.search(run(cli, "drmdbimport", "-f", str(back))).group(1)
    lab_sql(cli, "offline", "UserDB1")
    run(cli, "pairsplit", "-g", "SI02", "-d", "sql01")  # the related generation, PSUS
    run(cli, "drmsqlrestore", restored, "-resync", "-target", "UserDB1")
    run(cli, "drmsqlrecover", "default")
    assert rows(cli) == made[third]

    # §5.9: a new backup, exported to DBServer2 (its SQL details travel in the export file),
    # restored and recovered there after UserDB1's P-VOL moved
    latest = new_id(run(cli, "drmsqlbackup", "default", "-target", "UserDB1"))
    assert lock_status(cli)["SI01,sql01"] == ("UNLOCKED", latest)  # §5.6: gen1 reused
    moved = tmp_path / "EX-FILE1.drm"
    run(cli, "drmdbexport", latest, "-f", str(moved))
    on_db2 = IMPORTED_ID.search(run(cli, "drmdbimport", "-f", str(moved), host=DB2)).group(1)
    assert f"HOSTNAME: {DB}" in run(cli, "drmsqlcat", "default", host=DB2)
    lab_sql(cli, "offline", "UserDB1")  # DBServer lets the volume go
    assert "DRM-10143" in refused(cli, "drmsqlrestore", on_db2, "-resync", host=DB2)
    run(cli, "drmsqlrestore", on_db2, "-resync", "-nochk_host", host=DB2)
    run(cli, "drmsqlrecover", "default", host=DB2)
    assert rows(cli, host=DB2) == made[third]

    # §5.14 (b) on DBServer2: the backup's data is in place, so -no_resync into instB there
    lab_sql(cli, "offline", "UserDB1", host=DB2)
    run(cli, "drmsqlrestore", on_db2, "-no_resync", "-nochk_host", "-instance", "instB",
        host=DB2)
    run(cli, "drmsqlrecover", "instB", host=DB2)
    assert rows(cli, instance="instB", host=DB2) == made[third]
    lab_sql(cli, "offline", "UserDB1", "--instance", "instB", host=DB2)  # the volume goes back

    # §5.14 (c): the backup of default into the other instance instB (metafiles on the P-VOL)
    run(cli, "drmsqlrestore", latest, "-resync", "-target", "UserDB1", "-instance", "instB")
    run(cli, "drmsqlrecover", "instB")
    assert rows(cli, instance="instB") == made[third]
