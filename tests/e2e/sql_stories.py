"""The worked examples of spec 05 §5 as console programs on DBServer and BKServer (issue 13).

The lab is the example lab with two changes a test needs: DBServer's generations SI01..SI03
start split (the manual's "normally split" policy of §5.1: ``EX_DRM_RESYNC`` before a backup,
and a restore finds its related generations PSUS), and DBServer has a second, empty named
instance ``instB`` with no VDI metafile directory (§5.14's target). Every step is the command
a DBA types; the row counts are the simulated instance's (``drm lab sql count``), so each
check says exactly which rows a restore and a recovery must bring back.
"""
from __future__ import annotations

import re
from pathlib import Path

from adapters.lab.example import example_toml
from tests.e2e.conftest import Cli

DB, BK, DB2 = "DBServer", "BKServer", "DBServer2"
OPERATION = "Operation_A"
BACKUP_ID = re.compile(r"Backup ID = (\d{10})")
IMPORTED_ID = re.compile(r"Imported backup ID = (\d{10})")
INST_B = '''  [[hosts.sql_instances]]
  name = "instB"
  metafile_dir = ""
  vdi_timeout = 300
  undo_dir = "hosts/DBServer/mssql/instB/undo"
  log_backup_dir = "hosts/DBServer/mssql/instB/tlog"
'''
DB2_HOST = '''
[[hosts]]
name = "DBServer2"
role = "DB"
  [[hosts.mounts]]
  path = "hosts/DBServer/mnt/sql1"
  array = 410001
  ldev = 272
  mounted = false
  [[hosts.sql_instances]]
  name = "default"
  metafile_dir = ""
  vdi_timeout = 300
  undo_dir = "hosts/DBServer2/mssql/default/undo"
  log_backup_dir = "hosts/DBServer2/mssql/default/tlog"
  [[hosts.sql_instances]]
  name = "instB"
  metafile_dir = ""
'''
DEFINITION = """BACKUP_OBJECT=MSSQL
DB_SERVER_NAME=DBServer
INSTANCE_NAME=default
TARGET_NAME=UserDB1
FTP_HOME_DIR={ftp_home}
FTP_SUB_DIR=script
SET_DRM_HOSTNAME=0
"""


def story_lab(path: Path) -> Path:
    """The example lab, DBServer's generations split, instance instB on DBServer, and
    DBServer2 (§5.9, instances default and instB), to which UserDB1's P-VOL can be moved
    (same path, mounted there later)."""
    text = example_toml()
    for n in (1, 2, 3):
        for v in (1, 2):
            head = f'group = "SI0{n}"\ndevice = "sql0{v}"\n'
            assert head in text
            text = text.replace(head, head + 'initial_status = "PSUS"\n')
    anchor = '\n[[hosts]]\nname = "BKServer"'
    assert anchor in text
    path.write_text(text.replace(anchor, "\n" + INST_B + DB2_HOST + anchor), encoding="utf-8")
    return path


def run(cli: Cli, program: str, *args: str, host: str = DB) -> str:
    return cli.run(*args, "--host", host, program=program, check=True).stdout


def refused(cli: Cli, program: str, *args: str, host: str = DB) -> str:
    """A command that must fail: its error output."""
    result = cli.run(*args, "--host", host, program=program)
    assert result.returncode == 1, (program, args, result.stdout)
    return result.stderr


def lab_sql(cli: Cli, *args: str, host: str = DB) -> str:
    return cli.run("lab", "sql", *args, "--host", host, check=True).stdout


def rows(cli: Cli, database: str = "UserDB1", instance: str = "default", host: str = DB) -> int:
    shown = lab_sql(cli, "count", database, "--instance", instance, host=host)
    found = re.search(r"rows=(\d+) max_row=(\d+) missing=(\d+)", shown)
    assert found and found.group(2) == found.group(1) and found.group(3) == "0", shown
    return int(found.group(1))


def write(cli: Cli, count: int, database: str = "UserDB1") -> int:
    lab_sql(cli, "write", database, "--rows", str(count))
    return rows(cli, database)


def new_id(output: str) -> str:
    return BACKUP_ID.findall(output)[-1]


def catalog_ids(cli: Cli, host: str = DB) -> list[str]:
    return re.findall(r"^(\d{10}) ", run(cli, "drmappcat", host=host), re.M)


def data_dir(cli: Cli) -> Path:
    return Path(cli.env["DRM_DATA_DIR"])


def define_operation(cli: Cli) -> Path:
    """Operation_A on DBServer (UserDB1 of default), checked: the temporary directory."""
    data = data_dir(cli)
    conf = data / "hosts" / DB / "script" / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    ftp_home = data / "hosts" / BK / "ftp_root"
    ftp_home.mkdir(parents=True, exist_ok=True)
    (conf / f"_{OPERATION}.dat").write_text(DEFINITION.format(ftp_home=ftp_home))
    run(cli, "EX_DRM_SQL_DEF_CHECK", OPERATION, "-db")
    return data / "hosts" / DB / "script_work" / OPERATION / "DB" / f"{OPERATION}.bid"


def lock_status(cli: Cli) -> dict[str, tuple[str, str]]:
    """drmcgctl: copy group -> (lock status, backup ID) for DBServer's sql01 groups."""
    found = {}
    for line in run(cli, "drmcgctl").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].endswith(",sql01"):
            found[parts[0]] = (parts[1], parts[2])
    return found


def pair_status(cli: Cli, group: str) -> str:
    shown = run(cli, "pairdisplay", "-g", group, "-d", "sql01")
    return re.search(r"272\.P-VOL (\w+)", shown).group(1)
