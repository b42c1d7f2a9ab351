"""The SQL Server backup side as console programs on the example lab's DBServer (issue 13):
drmsqlinit, drmsqldisplay -refresh, drmsqlbackup, drmsqlcat, -template, EX_DRM_SQL_DEF_CHECK
and EX_DRM_SQL_BACKUP. Shared by the embedded test and the one over RabbitMQ."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from adapters.lab.provision import stored_lab
from adapters.sqlserver.lab import stop_all
from tests.e2e.conftest import Cli

HOST = "DBServer"
OPERATION = "SQL1"
DEFINITION = """BACKUP_OBJECT=MSSQL
DB_SERVER_NAME=DBServer
INSTANCE_NAME=default
TARGET_NAME=UserDB1,UserDB2
FTP_HOME_DIR={ftp_home}
FTP_SUB_DIR=script
SET_DRM_HOSTNAME=0
"""


def data_dir(cli: Cli) -> Path:
    return Path(cli.env["DRM_DATA_DIR"])


def stop_instances(cli: Cli) -> None:
    """The lab's instance processes end with the test."""
    stop_all(data_dir(cli), stored_lab(data_dir(cli)))


def online_backup(cli: Cli) -> str:
    """drmsqldisplay -refresh, drmsqlbackup default, drmsqlcat default: the new backup ID."""
    refreshed = cli.run("default", "-refresh", program="drmsqldisplay", check=True).stdout
    assert "KAVX0023-I Dictionary map file was updated." in refreshed
    done = cli.run("default", "-comment", "e2e", program="drmsqlbackup", check=True).stdout
    lines = done.splitlines()
    assert [line.split(" ")[0] for line in lines] == [
        "KAVX0001-I", "KAVX1017-I", "KAVX1207-I", "KAVX0040-I", "KAVX0002-I"]
    backup_id = lines[3].rsplit("= ", 1)[1]
    listed = cli.run("default", program="drmsqlcat", check=True).stdout.splitlines()
    assert listed[1] == "INSTANCE: default"
    assert listed[2] == f"BACKUP-ID: {backup_id} BACKUP-MODE: ONLINE INSTANCE: default"
    assert listed[5] == f"HOSTNAME: {HOST}"
    kinds = [(line.split()[0], line.split()[1]) for line in listed[7:-1]
             if line.split()[0] in "MDT"]
    assert kinds == [("M", "UserDB1"), ("D", "UserDB1"), ("T", "UserDB1"),
                     ("M", "UserDB2"), ("D", "UserDB2"), ("T", "UserDB2")]
    return backup_id


def check_metafiles(cli: Cli, backup_id: str) -> None:
    """Each metafile the entry names lies on its P-VOL with the recorded hash."""
    answer = json.loads(cli.run("default", "--json", program="drmsqlcat", check=True).stdout)
    [entry] = [e for e in answer["result"]["entries"] if e["backup_id"] == backup_id]
    metafiles = [row["file"] for row in entry["rows"] if row["kind"] == "M"]
    assert len(metafiles) == 2 and all(Path(path).is_file() for path in metafiles)
    assert all("/mnt/sql" in path for path in metafiles)  # no directory: on the P-VOL
    assert all(hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in metafiles)


def run_extended(cli: Cli) -> str:
    """EX_DRM_SQL_DEF_CHECK then EX_DRM_SQL_BACKUP: the backup ID file holds the new ID."""
    conf = data_dir(cli) / "hosts" / HOST / "script" / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    ftp_home = data_dir(cli) / "hosts" / "BKServer" / "ftp_root"
    ftp_home.mkdir(parents=True, exist_ok=True)
    (conf / f"_{OPERATION}.dat").write_text(DEFINITION.format(ftp_home=ftp_home))
    (conf / "host.dat").write_text("HOST_ROLE=DB\nMAX_LOG_LINES=1000\nMSG_OUTPUT=DETAIL\n")
    cli.run(OPERATION, "-db", program="EX_DRM_SQL_DEF_CHECK", check=True)
    ran = cli.run(OPERATION, program="EX_DRM_SQL_BACKUP", check=True)
    done = ran.stdout.splitlines()
    assert done[0] == "KAVX0450-I The EX_DRM_SQL_BACKUP command will now start."
    # MSG_OUTPUT=DETAIL: drmsqlbackup's messages print once, in its block, not as progress too
    said = [line.split(" ")[0] for line in (ran.stdout + ran.stderr).splitlines()]
    assert said.count("KAVX1207-I") == said.count("KAVX1017-I") == 1, said
    block = [line.split(" ")[0] for line in done]
    assert block.index("KAVX0001-I") < block.index("KAVX1207-I") < block.index("KAVX0002-I")
    bid = data_dir(cli) / "hosts" / HOST / "script_work" / OPERATION / "DB" / f"{OPERATION}.bid"
    return bid.read_text().strip()
