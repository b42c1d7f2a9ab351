"""Spec 05 §5.1 and §5.4 through RabbitMQ, with ``drm agent`` in its own process on the example
lab's DBServer: EX_DRM_SQL_BACKUP, log backups (EX_DRM_SQL_TLOG_BACKUP and drmsqllogbackup), the
failure, a tail-log backup (-no_truncate), EX_DRM_SQL_RESTORE -resync -undo (standby: readable
as of the backup), a list file with a log left out refused, drmsqlrecovertool applying the
first log, drmsqlrecover with the list file of the rest; exactly the rows committed before the
failure are back."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.agent_process import example_lab_agent
from tests.e2e.sql_stories import DEFINITION  # the example lab's MSSQL operation

pytestmark = pytest.mark.amqp
HOST, OPERATION = "DBServer", "SQLR"


@pytest.fixture
def db_agent(broker, tmp_path):
    with example_lab_agent(broker, tmp_path, HOST,
                           after=lambda cli: cli.run("lab", "sql", "stop")) as cli:
        yield cli


def rows(cli: Cli) -> int:
    shown = cli.run("lab", "sql", "count", "UserDB1", check=True).stdout
    return int(re.search(r"rows=(\d+)", shown).group(1))


def write(cli: Cli, count: int) -> None:
    cli.run("lab", "sql", "write", "UserDB1", "--rows", str(count), check=True)


def extended_backup(cli: Cli, data) -> str:
    conf = data / "hosts" / HOST / "script" / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    ftp_home = data / "hosts" / "BKServer" / "ftp_root"
    ftp_home.mkdir(parents=True, exist_ok=True)
    (conf / f"_{OPERATION}.dat").write_text(DEFINITION.format(ftp_home=ftp_home))
    cli.run(OPERATION, "-db", program="EX_DRM_SQL_DEF_CHECK", check=True)
    cli.run(OPERATION, program="EX_DRM_SQL_BACKUP", check=True)
    bid = data / "hosts" / HOST / "script_work" / OPERATION / "DB" / f"{OPERATION}.bid"
    return bid.read_text().strip()  # the backup ID file, which EX_DRM_SQL_RESTORE reads


def test_restore_and_roll_forward_to_the_failure_over_the_broker(db_agent, tmp_path):
    cli, data = db_agent, tmp_path / "data"
    home = data / "hosts" / HOST / "mssql"
    cli.run("default", "-vdi_timeout", "300", "-undodir", str(home / "undo"), "-logdir",
            str(home / "tlog"), program="drmsqlinit", check=True)
    backup_id = extended_backup(cli, data)  # A
    at_backup = rows(cli)
    write(cli, 5)
    tlog = cli.run(OPERATION, program="EX_DRM_SQL_TLOG_BACKUP", check=True).stdout  # B
    assert tlog.splitlines()[0] == "KAVX0450-I The EX_DRM_SQL_TLOG_BACKUP command will now start."
    write(cli, 7)
    cli.run("default", program="drmsqllogbackup", check=True)  # C
    write(cli, 3)
    expected = rows(cli)
    cli.run("lab", "sql", "damage", "UserDB1", check=True)  # D: the failure
    cli.run("default", "-no_truncate", program="drmsqllogbackup", check=True)
    listing = cli.run("default", "-target", "UserDB1", "-v", program="drmsqllogbackup",
                      check=True).stdout.splitlines()
    logs = [line for line in listing if "UserDB1_" in line]
    assert len(logs) == 3 and listing[1] == f"# ORIGINAL-ID:{backup_id}"
    gap, rest = tmp_path / "gap.txt", tmp_path / "rest.txt"
    gap.write_text("\n".join(line for line in listing if line != logs[1]))
    rest.write_text("\n".join(line for line in listing if line != logs[0]))

    for generation in ("SI02", "SI03"):  # the related generations of UserDB1's P-VOL
        cli.run("-g", generation, "-d", "sql01", program="pairsplit", check=True)
    restored = cli.run(OPERATION, "-resync", "-undo", program="EX_DRM_SQL_RESTORE", check=True)
    assert restored.stdout.splitlines()[0] == ("KAVX0450-I The EX_DRM_SQL_RESTORE command "
                                               "will now start.")
    assert rows(cli) == at_backup  # standby: readable, as of the backup
    refused = cli.run("default", "-transact_log_list", str(gap), program="drmsqlrecover")
    assert refused.returncode == 1 and "DRM-10141" in refused.stderr
    cli.run("default", "-target", "UserDB1", "-mode", "Standby", "-logs", logs[0],
            program="drmsqlrecovertool", check=True)
    assert rows(cli) == at_backup + 5
    recovered = cli.run("default", "-transact_log_list", str(rest), program="drmsqlrecover",
                        check=True)
    assert "KAVX1303-I Recovery processing has finished." in recovered.stdout
    assert rows(cli) == expected
    cli.run("default", program="drmsqllogbackup", check=True)  # the whole chain: it goes on
