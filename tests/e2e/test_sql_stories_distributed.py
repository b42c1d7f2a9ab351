"""Spec 05's worked examples end to end over RabbitMQ (issue 13), DBServer's and BKServer's
agents each in its own process, on one lab (``tests.e2e.sql_stories``), with the exact rows of
UserDB1 after every restore and recovery:

- §5.1 and §5.4 by the extended commands: ``EX_DRM_RESYNC``, ``EX_DRM_SQL_BACKUP`` (A), two
  ``EX_DRM_SQL_TLOG_BACKUP`` (B, C), a failure, a tail-log ``-no_truncate``,
  ``EX_DRM_BACKUPID_SET`` + ``EX_DRM_SQL_RESTORE -resync -undo`` (standby: A's rows readable),
  ``drmsqlrecovertool`` with the three logs: the rows of the moment of failure;
- §5.6: a locked generation is skipped by the rotation, unlocked it is reused;
- §5.15: ``drmresync -backup_id`` resyncs the pair and deletes the entry;
- tape via the backup server for a SQL entry: export/import to BKServer, ``drmmediabackup``,
  the S-VOL overwritten, ``drmmediarestore``, the entry back on DBServer, ``drmsqlrestore
  -resync`` and ``drmsqlrecover``: the tape's rows;
- §5.14 (variant c, on the P-VOL): ``drmsqlrestore -instance instB`` of a backup of
  ``default`` (metafiles on the P-VOL), ``drmsqlrecover instB``: the backup's rows in instB.

What other tests already cover is not repeated: ``drmsqllogbackup -v`` list files and a gap
refused (test_sql_restore_distributed), the freeze crash trials (tests/crash/test_sql_crash).
"""
from __future__ import annotations

import json
import signal
import subprocess

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.sql_stories import (BK, DB, OPERATION, IMPORTED_ID, catalog_ids,
                                   define_operation, lab_sql, lock_status, new_id,
                                   pair_status, refused, rows, run, story_lab, write)
from tests.e2e.test_distributed_cli import wait_for_output

pytestmark = pytest.mark.amqp


def start_agent(cli: Cli, host: str) -> subprocess.Popen:
    agent = cli.start("agent", "--host", host)
    wait_for_output(agent, "Connected to")
    return agent


@pytest.fixture
def cli(broker, tmp_path):
    for host in (DB, BK):
        broker.host(host)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME=DB))
    cli.run("lab", "init", str(story_lab(tmp_path / "lab-sql.toml")), check=True)
    agents = [start_agent(cli, DB), start_agent(cli, BK)]
    try:
        yield cli
    finally:
        for agent in agents:
            agent.send_signal(signal.SIGTERM)
        for agent in agents:
            assert agent.wait(30) == 0
        cli.run("lab", "sql", "stop")


def log_backup(cli: Cli, *options: str) -> str:
    """EX_DRM_SQL_TLOG_BACKUP: the log backup file of UserDB1 it wrote (from --json)."""
    answer = json.loads(run(cli, "EX_DRM_SQL_TLOG_BACKUP", OPERATION, *options, "--json"))
    [taken] = answer["logbackup"]["payload"]["result"]["logs"]
    return taken["path"]


def test_worked_examples_over_the_broker(cli, tmp_path):
    bid_file = define_operation(cli)
    # §5.1 / §5.4 A: resync the always-split generation, back up online (UserDB1 at 100 rows)
    run(cli, "EX_DRM_RESYNC", OPERATION, "-cg", "SI01,sql01", "-copy_size", "7")
    run(cli, "EX_DRM_SQL_BACKUP", OPERATION)
    first = bid_file.read_text().strip()
    at_a = rows(cli)
    other = rows(cli, "UserDB2")
    # B and C: log backups; then rows up to the failure D, and the tail of the log
    write(cli, 10)
    logs = [log_backup(cli)]
    write(cli, 7)
    logs.append(log_backup(cli))
    at_failure = write(cli, 3)
    lab_sql(cli, "damage", "UserDB1")
    logs.append(log_backup(cli, "-no_truncate"))
    # restore A in standby: the rows of A can be read; then roll B, C and the tail forward
    run(cli, "EX_DRM_BACKUPID_SET", OPERATION, "-backup_id", first)
    run(cli, "EX_DRM_SQL_RESTORE", OPERATION, "-resync", "-undo")
    assert rows(cli) == at_a == 100
    run(cli, "drmsqlrecovertool", "default", "-target", "UserDB1", "-logs", ",".join(logs),
        "-mode", "Online")
    assert rows(cli) == at_failure == at_a + 20
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
    assert "KAVX0006-E" in refused(cli, "drmsqlrestore", restored, "-resync")  # ONLINE
    lab_sql(cli, "offline", "UserDB1")
    run(cli, "pairsplit", "-g", "SI02", "-d", "sql01")  # the related generation, PSUS
    run(cli, "drmsqlrestore", restored, "-resync", "-target", "UserDB1")
    run(cli, "drmsqlrecover", "default")
    assert rows(cli) == made[third]

    # §5.14 (c): backup 1 into the other instance instB (metafiles on the P-VOL)
    lab_sql(cli, "offline", "UserDB1")
    run(cli, "drmsqlcat", "default")
    run(cli, "drmsqlrestore", first, "-resync", "-target", "UserDB1", "-instance", "instB")
    run(cli, "drmsqlrecover", "instB")
    assert rows(cli, instance="instB") == at_a
