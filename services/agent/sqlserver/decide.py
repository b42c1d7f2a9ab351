"""Pure decisions of the SQL Server backup side: the view and the instance's answers (read
beforehand) in, a plan or a ``CommandRejection`` out. Nothing here calls a port.

Rules (spec 05 §2.6, §3.1; manual tables 6-1, 6-2, 6-4):
- the instance must be RUNNING; every database backed up must be ONLINE (a combined state is
  never ONLINE alone); tempdb is never backed up;
- without ``-target``/``-f`` the user databases are backed up, with ``-system`` also master,
  model and msdb; at most 64 databases per run;
- each file lies on a volume of the dictionary map (the longest mount point holding it) with
  a P-VOL copy group; every other database with a file on one of those volumes must be
  backed up too (the split copies the whole volume, a restore would overwrite it);
- the generation, backup ID and superseded entries follow the file-system rules
  (``filesystem.decide``); the steps are: pairs to PAIR, freeze, split, thaw.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from events import filesystem as fs
from events import sqlserver as sql
from events.maps import CopyGroupMap, VolumeMap
from events.sql_commands import MAX_SQL_DATABASES
from projections.host_view import HostView
from services import messages
from services.agent.application_port import ONLINE, RUNNING, DatabaseInfo
from services.agent.errors import reject
from services.agent.filesystem.decide import choose_generation, pvol_groups
from services.agent.plan import Freeze, MakePair, PlanStep, Split, Thaw

KIND = "sqlserver"
SYSTEM_BACKED_UP = ("master", "model", "msdb")  # -system
NEVER_BACKED_UP = "tempdb"


# -- the application map --------------------------------------------------------------------------
def volume_of(volumes: Iterable[VolumeMap], path: str) -> VolumeMap | None:
    """The volume whose mount point holds ``path`` (the longest such mount point)."""
    found = [v for v in volumes if path == v.mount_point
             or path.startswith(v.mount_point.rstrip("/") + "/")]
    return max(found, key=lambda v: len(v.mount_point), default=None)


def database_record(view: HostView, database: DatabaseInfo) -> sql.SqlDatabaseRecord:
    """A database as the instance reports it, its files placed on the dictionary map."""
    files = []
    for file in database.files:
        volume = volume_of(view.volumes.values(), file.path)
        files.append(sql.SqlFileRecord(
            path=file.path, kind="log" if file.kind == "log" else "data",
            mount_point=volume.mount_point if volume else "",
            device=volume.device if volume else "",
            copy_groups=tuple(g.copy_group for g in pvol_groups(volume)) if volume else ()))
    return sql.SqlDatabaseRecord(name=database.name, database_id=database.database_id,
                                 system=database.system, recovery_model=database.recovery_model,
                                 state=database.state, files=tuple(files))


def instance_map(view: HostView, instance: str, status: str,
                 databases: Sequence[DatabaseInfo]) -> sql.SqlInstanceMap:
    if status != RUNNING:  # a stopped instance keeps the databases the map knew
        known = view.sql.instances.get(instance.lower())
        return sql.SqlInstanceMap(instance=instance, status=status, databases=tuple(
            _record_of(d) for d in (known.databases if known else ())))
    return sql.SqlInstanceMap(instance=instance, status=status,
                              databases=tuple(database_record(view, d) for d in databases))


def _record_of(database) -> sql.SqlDatabaseRecord:
    return sql.SqlDatabaseRecord(
        name=database.name, database_id=database.database_id, system=database.system,
        recovery_model=database.recovery_model, state=database.state, files=tuple(
            sql.SqlFileRecord(path=f.path, kind=f.kind, mount_point=f.mount_point,
                              device=f.device, copy_groups=f.copy_groups)
            for f in database.files))


# -- which databases ------------------------------------------------------------------------------
def require_running(instance: str, status: str) -> None:
    if status != RUNNING:
        raise reject(messages.SQL_NOT_RUNNING, f"the instance {instance} is {status}; "
                                               "drmsqlbackup needs it running")


def choose_databases(instance: str, databases: Sequence[DatabaseInfo], system: bool,
                     targets: Sequence[str]) -> list[DatabaseInfo]:
    """The databases to back up (see the module docstring), each checked ONLINE."""
    by_name = {d.name.lower(): d for d in databases}
    if targets:
        unknown = [t for t in targets if t.lower() not in by_name]
        if unknown:
            raise reject(messages.SQL_UNKNOWN, f"the instance {instance} has no database "
                                               f"{unknown[0]}")
        chosen = [by_name[t.lower()] for t in dict.fromkeys(t.lower() for t in targets)]
    else:
        chosen = [d for d in databases if not d.system
                  or (system and d.name.lower() in SYSTEM_BACKED_UP)]
    if any(d.name.lower() == NEVER_BACKED_UP for d in chosen):
        raise reject(messages.SQL_DATABASE_STATE, "tempdb cannot be backed up (manual table 6-4)")
    if not chosen:
        raise reject(messages.SQL_UNKNOWN, f"the instance {instance} has no user database to "
                                           "back up (-system adds master, model and msdb)")
    if len(chosen) > MAX_SQL_DATABASES:
        raise reject(messages.SQL_TOO_MANY, f"{len(chosen)} databases: at most "
                                            f"{MAX_SQL_DATABASES} per drmsqlbackup; run it again "
                                            "for the others")
    for database in chosen:
        if database.state != ONLINE:
            raise reject(messages.SQL_DATABASE_STATE,
                         f"the database {database.name} is {database.state}: drmsqlbackup backs "
                         "up ONLINE databases only (manual table 6-2)")
    return chosen


def placed(view: HostView, chosen: Sequence[DatabaseInfo],
           every: Sequence[DatabaseInfo]) -> tuple[tuple[sql.SqlDatabaseRecord, ...],
                                                   tuple[VolumeMap, ...]]:
    """The chosen databases on the map and their volumes; rejects a file on no volume (or a
    volume without a copy group) and a volume shared with a database not chosen."""
    records = tuple(database_record(view, d) for d in chosen)
    points: dict[str, None] = {}
    for record in records:
        for file in record.files:
            if not file.mount_point or not file.copy_groups:
                raise reject(messages.SQL_UNMAPPED, f"the file {file.path} of {record.name} is "
                                                    "on no P-VOL of the dictionary map "
                                                    "(drmsqldisplay -refresh updates it)")
            points.setdefault(file.mount_point)
    names = {d.name.lower() for d in chosen}
    for other in every:
        if other.name.lower() in names or other.name.lower() == NEVER_BACKED_UP:
            continue
        shared = [f.path for f in other.files
                  if (v := volume_of(view.volumes.values(), f.path)) and v.mount_point in points]
        if shared:
            raise reject(messages.SQL_VOLUME_SHARED,
                         f"the database {other.name} has {shared[0]} on a volume backed up; "
                         "name every database of the volume (-target/-f, -system for system "
                         "databases)")
    return records, tuple(view.volumes[p] for p in points)


# -- the plan ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SqlBackupPlan:
    request: fs.BackupRequested
    sql_request: sql.SqlBackupRequested
    superseded: tuple[fs.BackupEntryDeleted, ...]
    volumes: tuple[VolumeMap, ...]
    groups: tuple[CopyGroupMap, ...]
    databases: tuple[sql.SqlDatabaseRecord, ...]
    freeze: Freeze

    @property
    def first_events(self) -> list:
        return [self.request, self.sql_request, *self.superseded]

    @property
    def resync_steps(self) -> tuple[PlanStep, ...]:
        return tuple(MakePair(g) for g in self.groups)

    @property
    def split_steps(self) -> tuple[PlanStep, ...]:
        """The splits, then the thaw (run while frozen)."""
        return (*(Split(g) for g in self.groups),
                Thaw(KIND, self.freeze.instance, self.freeze.databases))

    @property
    def frozen_steps(self) -> tuple[PlanStep, ...]:
        return (self.freeze, *self.split_steps)

    @property
    def steps(self) -> tuple[PlanStep, ...]:
        """Pairs to PAIR, freeze, split, thaw."""
        return self.resync_steps + self.frozen_steps


def plan_sql_backup(view: HostView, workflow_id: str, instance: str,
                    records: tuple[sql.SqlDatabaseRecord, ...], volumes: tuple[VolumeMap, ...],
                    settings, generation: str | None, comment: str = "",
                    system: bool = False) -> SqlBackupPlan:
    """``settings``: the instance's ``drmsqlinit`` (``projections.sql_view.SqlSettings``)."""
    chosen = choose_generation(view, list(volumes), generation)
    groups = tuple(next(g for g in pvol_groups(v) if g.generation == chosen) for v in volumes)
    names = tuple(dict.fromkeys(g.copy_group for g in groups))
    backup_id = view.next_backup_id
    databases = tuple(r.name for r in records)
    request = fs.BackupRequested(
        workflow_id=workflow_id, backup_id=backup_id, mode="ONLINE",
        instances=tuple(v.mount_point for v in volumes), generation=chosen, copy_groups=names,
        comment=comment)
    group_of = {v.mount_point: g.copy_group for v, g in zip(volumes, groups)}
    kept = tuple(r.model_copy(update={"files": tuple(
        f.model_copy(update={"copy_groups": (group_of[f.mount_point],)}) for f in r.files)})
        for r in records)
    sql_request = sql.SqlBackupRequested(
        workflow_id=workflow_id, backup_id=backup_id, instance=instance, databases=databases,
        system=system, records=kept, metadata_dir=settings.metadata_dir)
    superseded = tuple(
        fs.BackupEntryDeleted(backup_id=e.backup_id, reason="superseded", by_backup_id=backup_id,
                              copy_groups=e.copy_groups)
        for e in sorted(view.entries_on(names), key=lambda e: e.backup_id))
    freeze = Freeze(KIND, instance, databases, float(settings.vdi_timeout),
                    Path(settings.metadata_dir) if settings.metadata_dir else None, backup_id)
    return SqlBackupPlan(request, sql_request, superseded, volumes, groups, records, freeze)


def entry_events(host: str, request: fs.BackupRequested, sql_request: sql.SqlBackupRequested,
                 metafiles, started, ended) -> list:
    """The entry of a backup whose splits and thaw all happened: ``SqlBackupDetails`` (with
    ``metafiles``, the ``events.application.MetadataFile``s the freeze wrote) then
    ``BackupRecorded`` (one ``D``/``T`` row per file, with the copy group split)."""
    records = sql_request.records
    details = sql.SqlBackupDetails(
        backup_id=request.backup_id, instance=sql_request.instance, databases=records,
        metafiles=tuple(metafiles), metadata_dir=sql_request.metadata_dir, online=True,
        system=sql_request.system, recorded_at=ended, comment=request.comment,
        workflow_id=request.workflow_id)
    rows = tuple(fs.ObjectRow(kind="T" if f.kind == "log" else "D", file=f.path,
                              file_system=f.mount_point, device=f.device,
                              copy_group=f.copy_groups[0])
                 for record in records for f in record.files)
    recorded = fs.BackupRecorded(
        backup_id=request.backup_id, original_id=request.backup_id, origin_host=host,
        mode="ONLINE", object_type="MSSQL", instances=(sql_request.instance,), rows=rows,
        generation=request.generation, copy_groups=request.copy_groups, started_at=started,
        ended_at=ended, comment=request.comment, workflow_id=request.workflow_id)
    return [details, recorded]
