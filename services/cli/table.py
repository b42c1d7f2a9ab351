"""Where each command's entry lives: ``drm <name>`` -> ``module:ATTRIBUTE`` of its
``AgentEntry`` or ``LocalEntry`` (``services.cli.entries``), in the order ``drm --help`` lists
them.

This table is all ``drm`` reads before it knows the command: a command line whose first word is
here imports only that entry's module (start-up is most of a short command's time). A console
alias ``drm<name>`` (``drmfscat``) runs ``drm <name>`` when the entry declares that console name;
the ``pyproject.toml`` scripts are checked against the command catalogue's console names, and
every console name against an entry here, by tests.
"""
from __future__ import annotations

import importlib
from typing import Any

ENTRIES: dict[str, str] = {
    "hostinfo": "services.cli.hostinfo:HOSTINFO",
    "log": "services.cli.log:LOG",
    "verify": "services.cli.trust:VERIFY",
    "key": "services.cli.trust:KEY",
    "agent": "services.cli.agent:AGENT",
    "lab": "services.cli.lab:LAB",
    # CCI pair commands (issue 11)
    "pair": "services.cli.pair_group:PAIR",
    "paircreate": "services.cli.pairs:PAIRCREATE",
    "pairsplit": "services.cli.pairs:PAIRSPLIT",
    "pairresync": "services.cli.pairs:PAIRRESYNC",
    "pairevtwait": "services.cli.pairs:PAIREVTWAIT",
    "pairdisplay": "services.cli.pairdisplay:PAIRDISPLAY",
    "raidscan": "services.cli.pairdisplay:RAIDSCAN",
    "horctakeover": "services.cli.pairs:HORCTAKEOVER",
    # PostgreSQL (issue 14: pg-commands)
    "pg": "services.cli.pg_group:PG",
    **{f"pg{op}": f"services.cli.postgres:{op.upper()}" for op in (
        "init", "display", "backup", "cat", "logbackup", "restore", "recover")},
    "fsbackup": "services.cli.filesystem:FSBACKUP",
    "fsrestore": "services.cli.filesystem:FSRESTORE",
    "fsdisplay": "services.cli.fsdisplay:FSDISPLAY",
    "fscat": "services.cli.catalog:FSCAT",
    "appcat": "services.cli.catalog:APPCAT",
    "resync": "services.cli.copy_groups:RESYNC",
    "cgctl": "services.cli.copy_groups:CGCTL",
    "mount": "services.cli.tape:MOUNT",
    "umount": "services.cli.tape:UMOUNT",
    "mediabackup": "services.cli.tape:MEDIABACKUP",
    "mediarestore": "services.cli.tape:MEDIARESTORE",
    "tapecat": "services.cli.tape_catalog:TAPECAT",
    "tapeinit": "services.cli.tape_catalog:TAPEINIT",
    "report": "services.cli.report:REPORT",
    "audit": "services.cli.audit:AUDIT",
    "dbexport": "services.cli.transfer:DBEXPORT",
    "dbimport": "services.cli.transfer:DBIMPORT",
    "lineage": "services.cli.lineage:LINEAGE",
    "dbsetup": "services.cli.dbsetup:DBSETUP",
    "devctl": "services.cli.devices:DEVCTL",
    "ex": "services.cli.extended.group:EX",
    **{name: f"services.cli.extended.{module}:{name}" for module, names in (
        ("filesystem", ("EX_DRM_FS_BACKUP", "EX_DRM_FS_RESTORE", "EX_DRM_BACKUPID_SET",
                        "EX_DRM_RESYNC", "EX_DRM_DB_EXPORT", "EX_DRM_DB_IMPORT")),
        ("ftp", ("EX_DRM_FTP_PUT", "EX_DRM_FTP_GET")),
        ("tape", ("EX_DRM_CACHE_PURGE", "EX_DRM_MOUNT", "EX_DRM_UMOUNT", "EX_DRM_TAPE_BACKUP",
                  "EX_DRM_TAPE_RESTORE"))) for name in names},
    # SQL Server (issue 13, sql-backup)
    "sqlinit": "services.cli.sqlserver:SQLINIT",
    "sqlbackup": "services.cli.sqlserver:SQLBACKUP",
    "sqlcat": "services.cli.sqlserver:SQLCAT",
    "sqldisplay": "services.cli.sqlserver:SQLDISPLAY",
    "EX_DRM_SQL_BACKUP": "services.cli.extended.sqlserver:EX_DRM_SQL_BACKUP",
    "EX_DRM_SQL_DEF_CHECK": "services.cli.extended.sqlserver:SQL_DEF_CHECK",
    "EX_DRM_FS_DEF_CHECK": "services.cli.ex_def_check:FS_DEF_CHECK",
    "EX_DRM_CG_DEF_CHECK": "services.cli.ex_def_check:CG_DEF_CHECK",
    "EX_DRM_HOST_DEF_CHECK": "services.cli.ex_def_check:HOST_DEF_CHECK",
    # SQL restore and logs (issue 13)
    "sqlrestore": "services.cli.sqlserver_restore:SQLRESTORE",
    "sqlrecover": "services.cli.sqlserver_restore:SQLRECOVER",
    "sqlrecovertool": "services.cli.sqlrecovertool:SQLRECOVERTOOL",
    "sqllogbackup": "services.cli.sqlserver_restore:SQLLOGBACKUP",
    "EX_DRM_SQL_RESTORE": "services.cli.extended.sql_restore:EX_DRM_SQL_RESTORE",
    "EX_DRM_SQL_TLOG_BACKUP": "services.cli.extended.sql_restore:EX_DRM_SQL_TLOG_BACKUP",
    "EX_DRM_SQLFILE_PACK": "services.cli.extended.sqlfile:EX_DRM_SQLFILE_PACK",
    "EX_DRM_SQLFILE_EXTRACT": "services.cli.extended.sqlfile:EX_DRM_SQLFILE_EXTRACT",
}


def module_of(name: str) -> str:
    return ENTRIES[name].partition(":")[0]


def load(name: str) -> Any:
    """The entry of ``drm <name>`` (imports its module)."""
    module, _, attribute = ENTRIES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def command_for_console(console: str) -> str | None:
    """The ``drm`` command a console alias runs (``drmfscat`` -> ``fscat``; CCI's names and
    the extended commands run the entry of the same name: ``pairsplit`` -> ``pairsplit``),
    or None."""
    if console.startswith("EX_DRM_") and console in ENTRIES:
        return console
    name = console.removeprefix("drm")
    if name in ENTRIES and console in load(name).console:
        return name
    return None
