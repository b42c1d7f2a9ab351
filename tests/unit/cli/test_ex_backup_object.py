"""Which extended commands serve which operations (issue 13, sql-stories): EX_DRM_FS_BACKUP
and EX_DRM_FS_RESTORE a FILESYSTEM operation only, EX_DRM_SQL_* an MSSQL one only, the
generic ones (backup ID file, resync, export/import, FTP, tape) both, as the manual's SQL
examples use them (§5.1: EX_DRM_RESYNC and EX_DRM_BACKUPID_SET with an MSSQL operation)."""
from __future__ import annotations

import pytest

from services.cli.errors import CliError
from services.cli.extended.entry import ExtendedEntry
from services.cli.extended.filesystem import (EX_DRM_BACKUPID_SET, EX_DRM_DB_EXPORT,
                                              EX_DRM_FS_BACKUP, EX_DRM_FS_RESTORE, EX_DRM_RESYNC)
from services.cli.extended.operation import load_operation
from services.cli.extended.sql_restore import EX_DRM_SQL_RESTORE

DEFINITION = ("BACKUP_OBJECT={kind}\nDB_SERVER_NAME=DBServer\nINSTANCE_NAME={instance}\n"
              "TARGET_NAME=\nFTP_HOME_DIR={ftp}\nFTP_SUB_DIR=script\nSET_DRM_HOSTNAME=0\n")


def operation_file(tmp_path, kind: str) -> None:
    host = tmp_path / "hosts" / "DBServer"
    (host / "script" / "conf").mkdir(parents=True)
    (host / "script_work" / "OP1" / "DB").mkdir(parents=True)
    (host / "script" / "conf" / "_OP1.dat").write_text(DEFINITION.format(
        kind=kind, instance="default" if kind == "MSSQL" else str(tmp_path / "mnt"),
        ftp=tmp_path / "ftp"))


def served(entry: ExtendedEntry) -> set[str]:
    value = entry.backup_object
    if value is None:  # ANY_OBJECT: every BACKUP_OBJECT the manual has
        return {"FILESYSTEM", "MSSQL"}
    return {value} if isinstance(value, str) else set(value)


def test_each_command_serves_its_operations():
    assert served(EX_DRM_FS_BACKUP) == served(EX_DRM_FS_RESTORE) == {"FILESYSTEM"}
    assert served(EX_DRM_SQL_RESTORE) == {"MSSQL"}
    for generic in (EX_DRM_BACKUPID_SET, EX_DRM_RESYNC, EX_DRM_DB_EXPORT):
        assert served(generic) == {"FILESYSTEM", "MSSQL"}


def test_an_mssql_operation_loads_for_a_generic_command_and_is_refused_by_a_file_system_one(
        tmp_path):
    operation_file(tmp_path, "MSSQL")
    loaded = load_operation(tmp_path, "DBServer", "OP1", None, ("FILESYSTEM", "MSSQL"))
    assert loaded.definition.backup_object == "MSSQL"
    with pytest.raises(CliError) as refused:
        load_operation(tmp_path, "DBServer", "OP1", None, "FILESYSTEM")
    assert "are not served by this command (FILESYSTEM)" in str(refused.value)
