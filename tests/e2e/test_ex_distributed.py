"""Extended commands and a user script over RabbitMQ, FSServer and BKServer agents in their own
processes: the operation's commands are tagged across both hosts, and a ``LOCATION=REMOTE``
command goes to the backup server's agent over the bus, which refuses it when the broker did
not authenticate the sender (no broker identities in this test): the backup never starts."""
from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.ex_story import (OPERATION, backup_id_file, check_definitions, ex, mount_point,
                                set_up)
from tests.e2e.test_transfer_distributed import start_agent, stop_agent

pytestmark = pytest.mark.amqp


def stream(cli: Cli, host: str) -> list[dict]:
    out = cli.run("log", "--host", host, "--json", check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def cli(broker, tmp_path):
    for host in ("FSServer", "BKServer"):
        broker.host(host)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME="FSServer"))
    set_up(cli, tmp_path, check=False)
    return cli


def test_extended_commands_and_a_refused_remote_script_command_over_the_bus(cli, tmp_path):
    agents = [start_agent(cli, "FSServer"), start_agent(cli, "BKServer")]
    try:
        check_definitions(cli)
        ex(cli, "FS_BACKUP")
        assert backup_id_file(cli, "FSServer") == "0000000001\n"
        ex(cli, "DB_EXPORT")
        script = tmp_path / "script.txt"
        script.write_text("LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\n"
                          "LOCATION=REMOTE\n[POST_PROC]\n[CMD]\nCMDLINE=/bin/true\n"
                          "PARENT_STAT=ERROR\n")
        refused = cli.run(OPERATION, "-script", str(script), "-s", "BKServer",
                          program="EX_DRM_FS_BACKUP", timeout=180)
        assert refused.returncode == 1 and "DRM-10604" in refused.stderr
        assert "DRM-10605" in refused.stderr or "may not run" in refused.stderr
        assert backup_id_file(cli, "FSServer") == "0000000001\n"  # no second backup
        tagged = {host: [e["payload"] for e in stream(cli, host)
                         if e["type"] == "OperationCommandStarted"]
                  for host in ("FSServer", "BKServer")}
        assert {"BackupFileSystem", "ExportBackup"} <= {t["command"] for t in tagged["FSServer"]}
        assert [t["command"] for t in tagged["BKServer"]][-1] == "RunRemoteScriptCommand"
        assert tagged["BKServer"][-1]["operation_key"] == OPERATION.casefold()
    finally:
        for agent in agents:
            stop_agent(agent)
    assert mount_point(cli).is_dir()
