"""Commands of the PostgreSQL protection (issue 14): ``drm pg init|display|backup|cat|
logbackup|restore|recover``, console names ``drmpginit`` … ``drmpgrecover``.

Each mirrors its SQL Server counterpart (spec 05 §3) where the option applies: the instance is a
PostgreSQL cluster (a data directory and the server that runs it); ``-rc``, ``-comment``,
``-resync`` and ``-v`` mean what they mean for ``drmsqlbackup``, ``drmsqlrestore`` and
``drmsqllogbackup``. What SQL Server has and PostgreSQL has not (``-system``, ``-target`` of
databases: a cluster is backed up whole; ``-undo``, ``-template``) is left out. Recovery targets
are PostgreSQL's: ``latest``, a time, an LSN, a named restore point, ``immediate`` (the end of
the backup).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from events.command_base import APPLICATION_SERVERS, EXCLUSIVE, QUERY, Command
from events.names import GENERATION_PATTERN, CommentText, PathText
from events.postgres import CLUSTER_PATTERN, LSN_PATTERN

BACKUP_ID_PATTERN = r"^[0-9]{10}$"
TIME_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                r"([+-][0-9]{2}(:?[0-9]{2})?|Z| UTC)?$")
RESTORE_POINT_PATTERN = r"^[A-Za-z0-9_.:-]{1,63}$"


class ConfigurePgCluster(Command, console=("drmpginit",), concurrency=EXCLUSIVE,
                         roles=APPLICATION_SERVERS):
    """``drmpginit <cluster> [-log_dir <dir>] [-label_dir <dir>]`` (``drmsqlinit``): where the
    cluster's WAL log backups and backup labels go (by default where the application keeps
    them: its log-backup area and ``<run dir>/labels``). The agent asks the server for its
    data, WAL and tablespace directories and refuses a cluster whose files are not all on
    protected volumes, naming what is not covered."""

    name: Literal["ConfigurePgCluster"] = "ConfigurePgCluster"
    cluster: str = Field(pattern=CLUSTER_PATTERN)
    log_backup_dir: PathText | None = None
    metadata_dir: PathText | None = None


class BackupPgCluster(Command, console=("drmpgbackup",), concurrency=EXCLUSIVE,
                      roles=APPLICATION_SERVERS):
    """``drmpgbackup <cluster> [-mode online|cold] [-rc gen] [-comment text] [-spread]``:
    online = ``pg_backup_start`` → split → ``pg_backup_stop``; cold = clean shutdown → split →
    start. ``-spread``: a spread checkpoint instead of the default fast one."""

    name: Literal["BackupPgCluster"] = "BackupPgCluster"
    cluster: str = Field(pattern=CLUSTER_PATTERN)
    mode: Literal["online", "cold"] = "online"
    generation: str | None = Field(default=None, pattern=GENERATION_PATTERN)
    comment: CommentText = ""
    fast: bool = True


class BackupPgLogs(Command, console=("drmpglogbackup",), concurrency=EXCLUSIVE,
                   roles=APPLICATION_SERVERS):
    """``drmpglogbackup <cluster>``: bring every completed WAL file (segments, ``.history``,
    ``.backup``) into the log backup area, one event per file, under the latest backup."""

    name: Literal["BackupPgLogs"] = "BackupPgLogs"
    cluster: str = Field(pattern=CLUSTER_PATTERN)


class RestorePgCluster(Command, console=("drmpgrestore",), concurrency=EXCLUSIVE,
                       roles=APPLICATION_SERVERS):
    """``drmpgrestore <backup-ID> -resync [-force]``: stop the server, reverse resync every copy
    group of the entry, lay the label down with a recovery configuration reading our log
    backups. The server stays stopped until ``drmpgrecover``. Refused when the WAL chain the
    backup needs is incomplete (``-force`` restores anyway, for a cold backup's files)."""

    name: Literal["RestorePgCluster"] = "RestorePgCluster"
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)
    force: bool = False


class RecoverPgCluster(Command, console=("drmpgrecover",), concurrency=EXCLUSIVE,
                       roles=APPLICATION_SERVERS):
    """``drmpgrecover <cluster> [-target latest|immediate | -time T | -lsn L | -name N]``:
    start the restored server, replay WAL from the log backups to the target, record where it
    ended (timeline, LSN)."""

    name: Literal["RecoverPgCluster"] = "RecoverPgCluster"
    cluster: str = Field(pattern=CLUSTER_PATTERN)
    target: Literal["latest", "time", "lsn", "name", "immediate"] = "latest"
    target_value: str = Field("", max_length=64)

    @model_validator(mode="after")
    def _value_fits_the_target(self):
        import re
        rules = {"time": TIME_PATTERN, "lsn": LSN_PATTERN, "name": RESTORE_POINT_PATTERN}
        rule = rules.get(self.target)
        if rule is None and self.target_value:
            raise ValueError(f"the target {self.target} takes no value")
        if rule is not None and not re.fullmatch(rule, self.target_value):
            raise ValueError(f"the target {self.target} needs a value matching {rule}")
        if self.target == "time":  # the pattern lets 2026-13-45 99:99:99 through
            from datetime import datetime
            try:
                datetime.fromisoformat(self.target_value.removesuffix(" UTC"))
            except ValueError as error:
                raise ValueError(f"the target time {self.target_value!r} is not a date and "
                                 f"time: {error}") from None
        return self


# -- internal (issue 14: pg-more) ----------------------------------------------------------------
class CollectPgWal(Command, concurrency=EXCLUSIVE, roles=APPLICATION_SERVERS):
    """Issued by a serving agent to itself (``services.agent.postgres.keeper``), never by a
    console command: record the WAL files ``pg_receivewal`` finished since the last command,
    one ``PgWalArchived`` per file, without switching segments (``drmpglogbackup`` does)."""

    name: Literal["CollectPgWal"] = "CollectPgWal"
    cluster: str = Field(pattern=CLUSTER_PATTERN)


# -- queries ---------------------------------------------------------------------------------------
class DisplayPgCluster(Command, console=("drmpgdisplay",), concurrency=QUERY):
    """``drmpgdisplay [cluster] [-cf]``. Result: ``{"clusters": [{"cluster", "log_backup_dir",
    "metadata_dir", "files": [{"path", "kind", "mount_point", "copy_groups": [{"copy_group",
    "generation", "copy_func", "consistency", "backup_id"}]}]}]}``."""

    name: Literal["DisplayPgCluster"] = "DisplayPgCluster"
    cluster: str | None = Field(default=None, pattern=CLUSTER_PATTERN)


class ListPgCatalog(Command, console=("drmpgcat",), concurrency=QUERY):
    """``drmpgcat <cluster> [-backup_id ID] [-l]``. Result: ``{"entries": [{"backup_id",
    "cluster", "mode", "generation", "copy_groups", "start_lsn", "stop_lsn", "timeline",
    "start_wal", "stop_wal", "label_sha256", "started_at", "ended_at", "comment",
    "consistency", "chain": chain-report or null}]}``; ``-l`` adds each entry's WAL chain
    (``services.agent.postgres.chain.ChainReport.as_dict``)."""

    name: Literal["ListPgCatalog"] = "ListPgCatalog"
    cluster: str | None = Field(default=None, pattern=CLUSTER_PATTERN)
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)
    chain: bool = False


class ListPgLogBackups(Command, console=("drmpglogbackup",), concurrency=QUERY):
    """``drmpglogbackup <cluster> -v [backup-ID]``: the log backups under the full backup they
    belong to. Result: ``{"chains": [{"original_id", "backup_id", "cluster", "files":
    [{"file_name", "kind", "timeline", "size", "sha256", "path"}]}]}``."""

    name: Literal["ListPgLogBackups"] = "ListPgLogBackups"
    cluster: str = Field(pattern=CLUSTER_PATTERN)
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)


PG_COMMANDS = (ConfigurePgCluster, BackupPgCluster, BackupPgLogs, RestorePgCluster,
               RecoverPgCluster, DisplayPgCluster, ListPgCatalog, ListPgLogBackups,
               CollectPgWal)  # issue 14 (pg-more): the agent's own WAL collection
