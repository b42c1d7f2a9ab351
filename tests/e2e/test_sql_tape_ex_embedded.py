"""Spec 05 §5.2 through the console commands, agents in-process, on the example lab: a SQL
Server backup to tape through the backup server with the common extended commands (their
operation names BACKUP_OBJECT=MSSQL) and FTP carrying the export file and the packed VDI
metafiles, then the way back: tape -> S-VOL on the backup server, the catalog and metafiles
fetched by the database server, EX_DRM_SQL_RESTORE -resync and drmsqlrecover, with exactly the
rows of the backup back (issue 13)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.sql_story import stop_instances
from tests.ftp_server import ftp_server

DB, BK, OPERATION = "DBServer", "BKServer", "Operation_A"
DEFINITION = """BACKUP_OBJECT=MSSQL
DB_SERVER_NAME=DBServer
INSTANCE_NAME=default
TARGET_NAME=UserDB1,UserDB2
FTP_HOME_DIR={ftp_home}
FTP_SUB_DIR=script
SET_DRM_HOSTNAME=0
"""
FTP = ("-server", BK, "-user", "admin", "-password", "password")


@pytest.fixture
def cli(tmp_path):
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_HOSTNAME=DB))
    cli.run("lab", "init", "--example", check=True)
    try:
        yield cli
    finally:
        stop_instances(cli)


def data_dir(cli: Cli) -> Path:
    return Path(cli.env["DRM_DATA_DIR"])


def ftp_home(cli: Cli) -> Path:
    return data_dir(cli) / "hosts" / BK / "ftp_root"


def temp_dir(cli: Cli, host: str) -> Path:
    if host == BK:
        return ftp_home(cli) / "script" / OPERATION / "BK"
    return data_dir(cli) / "hosts" / host / "script_work" / OPERATION / "DB"


def bid(cli: Cli, host: str) -> str:
    return (temp_dir(cli, host) / f"{OPERATION}.bid").read_text().strip()


def ex(cli: Cli, name: str, *args: str, host: str = DB) -> str:
    done = cli.run(OPERATION, *args, "--host", host, program=f"EX_DRM_{name}", check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == f"KAVX0450-I The EX_DRM_{name} command will now start."
    assert lines[-1] == f"KAVX0451-I The EX_DRM_{name} command will now end."
    return done.stdout


def rows(cli: Cli, database: str) -> int:
    shown = cli.run("lab", "sql", "count", database, check=True).stdout
    return int(re.search(r"rows=(\d+)", shown).group(1))


def define(cli: Cli) -> None:
    ftp_home(cli).mkdir(parents=True, exist_ok=True)
    for host in (DB, BK):
        conf = data_dir(cli) / "hosts" / host / "script" / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / f"_{OPERATION}.dat").write_text(DEFINITION.format(ftp_home=ftp_home(cli)))
    cli.run(OPERATION, "-db", program="EX_DRM_SQL_DEF_CHECK", check=True)
    cli.run(OPERATION, "-bk", "--host", BK, program="EX_DRM_SQL_DEF_CHECK", check=True)


def test_sql_backup_to_tape_and_back_through_the_backup_server(cli):
    metadir = data_dir(cli) / "hosts" / DB / "mssql" / "meta"
    metadir.mkdir(parents=True)
    cli.run("default", "-metadir", str(metadir), "-vdi_timeout", "600", "-logdir",
            str(metadir.parent / "tlog"), program="drmsqlinit", check=True)
    cli.run("-product", "NBU", "-retention_days", "92", "--host", BK, program="drmtapeinit",
            check=True)
    define(cli)
    with ftp_server(ftp_home(cli), "admin", "password") as address:
        cli.env["DRM_FTP_ADDRESSES"] = json.dumps({BK: address})
        # backup: DB server -> S-VOL, catalog and metafiles to the backup server, S-VOL -> tape
        ex(cli, "SQL_BACKUP")
        backup_id = bid(cli, DB)
        at_backup = {db: rows(cli, db) for db in ("UserDB1", "UserDB2")}
        cli.run("lab", "sql", "write", "UserDB1", "--rows", "3", check=True)
        ex(cli, "SQL_TLOG_BACKUP")  # a log backup in the backup's chain
        ex(cli, "DB_EXPORT")
        packed = ex(cli, "SQLFILE_PACK")
        assert packed.count("Packed = ") == 2
        put = ex(cli, "FTP_PUT", *FTP)
        assert "password" not in put
        sent = sorted(p.name for p in temp_dir(cli, DB).glob(f"{backup_id}_*.dmp"))
        assert len(sent) == 2  # one packed metafile per database
        for name in (f"{OPERATION}.drm", *sent):  # the catalog and metafiles, byte for byte
            assert (temp_dir(cli, BK) / name).read_bytes() == \
                (temp_dir(cli, DB) / name).read_bytes()
        ex(cli, "DB_IMPORT", host=BK)
        on_bk = bid(cli, BK)
        listed = cli.run("default", "--host", BK, program="drmsqlcat", check=True).stdout
        assert f"ORIGINAL-ID: {backup_id}" in listed
        ex(cli, "SQLFILE_EXTRACT", host=BK)
        ex(cli, "TAPE_BACKUP", host=BK)
        tapes = " ".join(cli.run("--host", BK, program="drmtapecat", check=True).stdout.split())
        assert "MSSQL" in tapes, tapes
        tape_id = re.search(r"(\d{10}) MSSQL", tapes).group(1)
        # data lost on the database server; the way back, tape -> S-VOL -> P-VOL
        cli.run("lab", "sql", "write", "UserDB1", "--rows", "9", check=True)
        cli.run("lab", "sql", "write", "UserDB2", "--rows", "4", check=True)
        cli.run("lab", "sql", "damage", "UserDB1", check=True)
        cli.run("lab", "sql", "offline", "UserDB2", check=True)  # restore needs it offline
        long = " ".join(cli.run("-hostname", DB, "-l", "--host", BK, program="drmtapecat",
                                check=True).stdout.split())
        assert f"{tape_id} {backup_id} {DB} MSSQL default" in long
        ex(cli, "TAPE_RESTORE", "-backup_id", tape_id, host=BK)
        ex(cli, "DB_EXPORT", host=BK)
        assert ex(cli, "SQLFILE_PACK", host=BK).count("Packed = ") == 2
        ex(cli, "FTP_GET", *FTP)
        fetched = sorted(temp_dir(cli, DB).glob("*.dmp"))
        assert [p.name.partition("_")[0] for p in fetched] == [bid(cli, BK)] * 2
        ex(cli, "DB_IMPORT")
        ex(cli, "SQLFILE_EXTRACT")
        for generation in ("SI02", "SI03"):  # the other generations split (the manual's rule)
            for device in ("sql01", "sql02"):
                cli.run("-g", generation, "-d", device, program="pairsplit", check=True)
        ex(cli, "SQL_RESTORE", "-resync")
        cli.run("default", program="drmsqlrecover", check=True)
        assert {db: rows(cli, db) for db in at_backup} == at_backup
        again = cli.run(OPERATION, "-resync", "--host", DB,
                        program="EX_DRM_SQL_RESTORE")  # Fig. 6-3: used up by its restore
        assert again.returncode != 0 and "DRM-10147" in again.stderr, again.stderr
        check_lineage(cli, backup_id)


def check_lineage(cli: Cli, backup_id: str) -> None:
    """``drm lineage`` of the SQL backup: its entries on both hosts, then its history -- the
    freeze, split and thaw, the log backup of its chain, the metafiles packed and extracted,
    the tape copies, the restore with its database states and the recovery (issue 13)."""
    answer = json.loads(cli.run("lineage", backup_id, "--host", DB, "--json",
                                check=True).stdout)
    assert [(e["host"], e["event_type"]) for e in answer["lineage"]] == [
        (DB, "BackupRecorded"), (BK, "BackupImported"), (BK, "TapeBackupRecorded"),
        (BK, "BackupRecorded"), (DB, "BackupImported")]
    seen = [(e["host"], e["event_type"]) for e in answer["history"]]
    order = [(DB, "ApplicationFrozen"), (DB, "PairSplit"), (DB, "ApplicationThawed"),
             (DB, "SqlLogBackupRecorded"), (DB, "SqlMetafilesMoved"),
             (BK, "SqlMetafilesMoved"), (BK, "TapeArchiveWritten"), (BK, "TapeArchiveRead"),
             (DB, "SqlRestoreRequested"), (DB, "SqlDatabaseStateChanged"),
             (DB, "SqlRestoreCompleted"), (DB, "SqlRecoveryRequested"),
             (DB, "SqlRollForwardApplied"), (DB, "SqlRecoveryCompleted")]
    assert [seen.index(step) for step in order] == sorted(seen.index(s) for s in order)
    states = [e["detail"] for e in answer["history"]
              if e["event_type"] == "SqlDatabaseStateChanged"]
    assert "database=UserDB2 previous=OFFLINE state=LOADING reason=restored" in states[1]
    assert states[-1].endswith("database=UserDB2 previous=LOADING state=ONLINE reason=recovered")
    shown = cli.run("lineage", backup_id, "--host", DB, check=True).stdout
    assert "\nHISTORY\n" in shown and "SqlRecoveryCompleted" in shown
