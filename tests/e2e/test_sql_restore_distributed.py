"""Spec 05 §5.4 through RabbitMQ, with ``drm agent`` in its own process on the example lab's
DBServer: a full backup, log backups, a failure, a tail-log backup (-no_truncate), a restore by
reverse resync, a recovery with the list file ``drmsqllogbackup -v`` printed, and exactly the
rows committed before the failure back; a list with a log left out is refused first."""
from __future__ import annotations

import re
import signal

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.test_distributed_cli import wait_for_output

pytestmark = pytest.mark.amqp
HOST = "DBServer"


@pytest.fixture
def db_agent(broker, tmp_path):
    host = broker.host(HOST)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME=host))
    cli.run("lab", "init", "--example", check=True)
    agent = cli.start("agent", "--host", host)
    try:
        wait_for_output(agent, "Connected to")
        yield cli
    finally:
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0
        cli.run("lab", "sql", "stop")


def rows(cli: Cli, database: str = "UserDB1") -> int:
    shown = cli.run("lab", "sql", "count", database, check=True).stdout
    return int(re.search(r"rows=(\d+)", shown).group(1))


def write(cli: Cli, count: int) -> None:
    cli.run("lab", "sql", "write", "UserDB1", "--rows", str(count), check=True)


def test_restore_and_roll_forward_to_the_failure_over_the_broker(db_agent, tmp_path):
    cli = db_agent
    host_dir = tmp_path / "data" / "hosts" / HOST / "mssql"
    cli.run("sqlinit", "default", "-vdi_timeout", "300", "-undodir", str(host_dir / "undo"),
            "-logdir", str(host_dir / "tlog"), check=True)
    backup = cli.run("sqlbackup", "default", check=True).stdout
    backup_id = re.search(r"Backup ID = (\d{10})", backup).group(1)
    for count in (5, 7):  # B and C
        write(cli, count)
        cli.run("sqllogbackup", "default", check=True)
    write(cli, 3)
    expected = rows(cli)
    cli.run("lab", "sql", "damage", "UserDB1", check=True)  # D: the failure
    cli.run("sqllogbackup", "default", "-no_truncate", check=True)
    listing = cli.run("sqllogbackup", "default", "-v", check=True).stdout
    whole = tmp_path / "SQLTXLOG.txt"
    whole.write_text(listing)
    logs = [line for line in listing.splitlines() if "UserDB1_" in line]
    assert len(logs) == 3 and listing.splitlines()[1] == f"# ORIGINAL-ID:{backup_id}"
    gap = tmp_path / "gap.txt"
    gap.write_text("\n".join(line for line in listing.splitlines() if line != logs[1]))

    for generation in ("SI02", "SI03"):  # the related generations of the P-VOL, split
        cli.run("pairsplit", "-g", generation, "-d", "sql01", check=True)
    restored = cli.run("sqlrestore", backup_id, "-resync", "-target", "UserDB1", check=True)
    assert "KAVX1301-I Restore processing has finished." in restored.stdout
    refused = cli.run("sqlrecover", "default", "-transact_log_list", str(gap))
    assert refused.returncode == 1 and "DRM-10141" in refused.stderr
    recovered = cli.run("sqlrecover", "default", "-transact_log_list", str(whole), check=True)
    assert "KAVX1303-I Recovery processing has finished." in recovered.stdout
    assert rows(cli) == expected
