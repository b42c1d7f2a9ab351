"""SQL Server instances of a lab host (the simulated instance: ``adapters.sqlserver``).

A host lists its instances; each instance its user databases, and for each database the
directories (mount points of the host, or folders below them) its data files and its log file
go in. Two databases may share a volume and one database may span volumes (several data
directories). ``metafile_dir``, ``vdi_timeout``, ``undo_dir`` and ``log_backup_dir`` are the
SQL Server information ``drmsqlinit`` sets (manual §2.4); a lab that gives them starts as if
``drmsqlinit`` had run. ``sql_problems`` checks what a single field cannot.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from events.names import OptionalPathText, PathText

SqlName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_$-]{0,63}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SqlDatabase(_Frozen):
    name: SqlName
    data: tuple[PathText, ...] = Field(min_length=1, max_length=15)  # one data file per entry
    log: PathText
    recovery_model: Literal["FULL", "BULK_LOGGED", "SIMPLE"] = "FULL"
    rows: int = Field(default=0, ge=0, le=1_000_000)  # numbered rows written at lab init


class SqlInstance(_Frozen):
    name: SqlName = "default"
    system_dir: OptionalPathText = ""  # "" = hosts/<host>/mssql/<instance>/system (not on a P-VOL)
    replication: bool = False  # the distribution database exists
    databases: tuple[SqlDatabase, ...] = Field(default=(), max_length=1024)
    # drmsqlinit's SQL Server information ("" for metafile_dir: META_<id>.dmp on the P-VOL)
    metafile_dir: OptionalPathText = ""
    vdi_timeout: int = Field(default=300, ge=0, le=3600)
    undo_dir: OptionalPathText = ""
    log_backup_dir: OptionalPathText = ""


def sql_problems(host) -> list[tuple[tuple, str]]:
    """Duplicate instances (names compare case-insensitively), duplicate databases in one
    instance, and database directories that are not on one of the host's mount points."""
    out: list[tuple[tuple, str]] = []
    seen: set[str] = set()
    mounts = [m.path.rstrip("/") for m in host.mounts]
    for i, instance in enumerate(host.sql_instances):
        if instance.name.lower() in seen:
            out.append((("sql_instances", i, "name"), f"duplicate SQL Server instance {instance.name}"))
        seen.add(instance.name.lower())
        names: set[str] = set()
        for d, database in enumerate(instance.databases):
            where = ("sql_instances", i, "databases", d)
            if database.name.lower() in names:
                out.append((where + ("name",), f"duplicate database {database.name} in {instance.name}"))
            names.add(database.name.lower())
            if database.name.lower() in ("master", "model", "msdb", "tempdb", "distribution"):
                out.append((where + ("name",), f"{database.name} is a system database name"))
            for key, path in [("data", p) for p in database.data] + [("log", database.log)]:
                if not any(path.rstrip("/") == m or path.startswith(m + "/") for m in mounts):
                    out.append((where + (key,), f"database {database.name}: {path} is on no mount "
                                                f"point of host {host.name}"))
    return out
