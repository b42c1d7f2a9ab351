"""Handlers of ``drmsqlrestore``, ``drmsqlrecover``/``drmsqlrecovertool`` and
``drmsqllogbackup`` (``events.sql_restore``): read the live instance from the application port,
decide (pure, ``decide``), then run the workflow (``workflows``). Every refusal happens before
the first event; a path from the catalog or a list file is confined to the host's data
directory before use.
"""
from __future__ import annotations

from pathlib import Path

from adapters.paths import BadName, PathOutsideRoot, confine
from events import sql_logs as logs
from events.base import Payload
from events.outcomes import CommandCompleted
from events.sql_restore import (BackupSqlLogs, DeleteSqlLogInfo, RecordSqlMetafiles,
                                RecoverSqlDatabases, RestoreSqlDatabases, SqlMetafilesMoved)
from services import messages
from services.agent.application_port import ApplicationError, Metadata
from services.agent.errors import CommandRejection, reject
from services.agent.filesystem import decide as fs_decide
from services.agent.filesystem.handlers import require_storage
from services.agent.filesystem.workflows import live_statuses
from services.agent.service import AgentContext
from services.agent.sqlserver.handlers import sql_settings
from services.agent.sqlserver_restore import decide, facts, workflows

KIND = "sqlserver"


def sql_port(context: AgentContext):
    port = context.ports.application(KIND)
    if port is None:
        raise reject(messages.SQL_APPLICATION, f"the host {context.host} runs no SQL Server")
    return port


def live_instance(port, instance: str) -> decide.LiveInstance:
    """The instance now (``KAVX0006-E`` when the port does not know it)."""
    try:
        status = port.status(instance)
        databases = port.databases(instance)
    except ApplicationError as error:
        raise reject(messages.SQL_APPLICATION, str(error)) from None
    name = next((i for i in port.instances() if i.lower() == instance.lower()), instance)
    return decide.LiveInstance(name, status, {d.name.lower(): d for d in databases})


def settings_of(context: AgentContext, instance: str) -> facts.SettingsFacts | None:
    """The instance's SQL Server information: the last drmsqlinit, else the lab's (a lab
    starts as if drmsqlinit had run; the backup side reads it the same way)."""
    found = sql_settings(context, instance)
    return None if found is None else facts.SettingsFacts(
        found.metadata_dir, found.undo_dir, found.log_backup_dir)


def confined(context: AgentContext, path: str, what: str) -> Path:
    roots = [context.ports.data_dir] if context.ports.data_dir else []
    if not roots:
        return Path(path)
    try:
        return confine(path, roots, what)
    except (BadName, PathOutsideRoot) as error:
        raise reject(messages.BAD_COMMAND, str(error)) from None


# -- drmsqlrestore -------------------------------------------------------------------------------
def restore_sql_databases(command: RestoreSqlDatabases, context: AgentContext) -> list[Payload]:
    port = sql_port(context)
    entry = facts.entry_facts(context.view, command.backup_id)
    instance = command.instance or (entry.instance if entry else "")
    live = live_instance(port, instance) if entry else decide.LiveInstance(instance, "")
    settings = settings_of(context, instance)
    plan = decide.plan_sql_restore(entry, command, context.host, live, settings,
                                   context.envelope.workflow_id)
    storage_plan = _storage_plan(context, plan) if command.resync else None
    # no volume copy: the metafiles must be in place already, else refused before anything
    found = None if command.resync else located_metafiles(context, plan, settings)

    def locate() -> tuple[Metadata, ...]:
        if found is not None:
            return found
        try:  # after the copy: a missing one fails the step (recorded as the abort's reason)
            return located_metafiles(context, plan, settings)
        except CommandRejection as error:
            raise ApplicationError(error.text, reason="not-found") from None

    workflows.run_sql_restore(context, plan, port, storage_plan, locate)
    return [CommandCompleted(command=command.name, result={
        "backup_id": plan.entry.backup_id, "instance": plan.request.target_instance,
        "databases": [{"database": d, "state": s} for d, s in plan.results],
        "unconfirmed": list(plan.request.unconfirmed),
        "copy_groups": list(plan.request.copy_groups), "resync": command.resync})]


def located_metafiles(context: AgentContext, plan: decide.SqlRestorePlan,
                      settings) -> tuple[Metadata, ...]:
    """Each restored database's metafile where it is now: the path the catalog records (with
    its size), else (carried by ``EX_DRM_SQLFILE_EXTRACT``, or an imported entry under another
    backup ID) the registered directory's ``<backup-ID>_<database-ID>.dmp`` or
    ``<original-ID>_<database-ID>.dmp``, else (a template: none recorded) ``META_<database-ID>
    .dmp`` beside its primary data file on the P-VOL. ``KAVX0006-E`` when none is there."""
    recorded = {m.database.lower(): m for m in workflows.metadata_of(plan)}
    found = []
    for name in plan.request.databases:
        database, meta = plan.entry.database(name), recorded.get(name.lower())
        candidates = [meta.path] if meta is not None else []
        if settings is not None and settings.metadata_dir and database is not None:
            folder = Path(settings.metadata_dir)
            candidates += [str(folder / f"{prefix}_{database.database_id:010d}.dmp")
                           for prefix in (plan.entry.backup_id, plan.entry.original_id)]
        if database is not None and database.data_files:
            candidates.append(str(Path(database.data_files[0]).parent /
                                  f"META_{database.database_id:010d}.dmp"))
        path = next((p for p in (confined(context, c, "VDI metafile") for c in candidates)
                     if p.is_file() and (meta is None or p.stat().st_size == meta.size)), None)
        if path is None:
            raise reject(messages.UNKNOWN_OBJECT, f"no VDI metafile of {name} was found "
                                                  f"({', '.join(candidates) or 'none recorded'})")
        found.append(meta if meta is not None and str(path) == meta.path else
                     Metadata(name, str(path), path.stat().st_size,
                              meta.sha256 if meta is not None else ""))
    return tuple(found)


def _storage_plan(context: AgentContext, plan: decide.SqlRestorePlan):
    """The file-system restore of the volumes the restored databases lie on."""
    require_storage(context)
    view, wanted = context.view, set(plan.request.databases)
    points = list(dict.fromkeys(p for d in plan.entry.databases if d.name in wanted
                                for p in d.mount_points))
    volumes, groups = [], []
    for point in points:
        volume = view.volumes.get(point)
        group = volume and next((g for g in volume.copy_groups
                                 if g.copy_group in plan.entry.copy_groups), None)
        if group is None:
            raise reject(messages.UNKNOWN_OBJECT, f"{point} of the backup {plan.entry.backup_id}"
                                                  " is not in the dictionary map")
        volumes.append(volume)
        groups.append(group)
    statuses = live_statuses(context)
    fs_decide._check_restore(view, volumes, groups, statuses)  # the file-system rules
    request = fs_decide.fs.RestoreRequested(
        workflow_id=plan.request.workflow_id, backup_id=plan.entry.backup_id,
        instances=tuple(points),
        copy_groups=tuple(dict.fromkeys(g.copy_group for g in groups)))
    return fs_decide.RestorePlan(request, tuple(volumes), tuple(groups))


# -- drmsqlrecover / drmsqlrecovertool -----------------------------------------------------------
def recover_sql_databases(command: RecoverSqlDatabases, context: AgentContext) -> list[Payload]:
    port = sql_port(context)
    live = live_instance(port, command.instance)
    settings = settings_of(context, command.instance)
    plans = decide.plan_recovery(command, live, context.view.sql_logs, settings)
    for plan in plans:
        for record in plan.records:
            confined(context, record.path, "log backup file")
    before = {name: info.state for name, info in live.databases.items()}
    workflows.run_recovery(context, live.name, command.finish, plans, port, before)
    return [CommandCompleted(command=command.name, result={
        "instance": live.name, "finish": command.finish,
        "databases": [{"database": p.database, "state": p.finish,
                       "logs": [r.path for r in p.records],
                       "chain_complete": p.chain_complete} for p in plans]})]


# -- drmsqllogbackup -----------------------------------------------------------------------------
def backup_sql_logs(command: BackupSqlLogs, context: AgentContext) -> list[Payload]:
    port = sql_port(context)
    live = live_instance(port, command.instance)
    settings = settings_of(context, command.instance)
    start = None if command.no_cat else facts.start_point(context.view, command.instance)
    databases = decide.plan_log_backup(live.name, command.targets, command.truncate,
                                       command.no_cat, live, context.view.sql_logs, settings,
                                       start)
    confined(context, settings.log_backup_dir, "log backup directory")
    taken = workflows.run_log_backup(context, live.name, databases, command.truncate, start,
                                     settings, port)
    return [CommandCompleted(command=command.name, result={
        "instance": live.name, "backup_id": start.backup_id if start else "",
        "logs": [{"database": t.database, "path": t.path, "first_lsn": t.first_lsn,
                  "last_lsn": t.last_lsn, "truncated": t.truncated} for t in taken]})]


def delete_sql_log_info(command: DeleteSqlLogInfo, context: AgentContext) -> list[Payload]:
    original_id = command.original_id or _original_of(context, command.backup_id)
    found: dict[str, list] = {}
    for chain in context.view.sql_logs.chains.values():
        for record in chain:
            if record.original_id == original_id:
                found.setdefault(record.instance.lower(), []).append(record)
    if not found:
        raise reject(messages.UNKNOWN_OBJECT, f"no log backup information for the original "
                                              f"ID {original_id}")
    events = [logs.SqlLogInfoDeleted(original_id=original_id, instance=records[0].instance,
                                     databases=tuple(dict.fromkeys(r.database
                                                                   for r in records)),
                                     files=len(records)) for records in found.values()]
    context.record(events)
    return [CommandCompleted(command=command.name, result={
        "original_id": original_id, "files": sum(e.files for e in events)})]


def _original_of(context: AgentContext, backup_id: str | None) -> str:
    entry = context.view.catalog.get(backup_id or "")
    return entry.original_id if entry is not None else backup_id or ""


def record_sql_metafiles(command: RecordSqlMetafiles, context: AgentContext) -> list[Payload]:
    operation = getattr(context.envelope, "operation", None)
    moved = SqlMetafilesMoved(operation_id=getattr(operation, "operation_id", "") or "",
                              direction=command.direction, backup_id=command.backup_id,
                              files=command.files)
    return [moved, CommandCompleted(command=command.name, result=command.arguments())]


SQL_RESTORE_COMMAND_HANDLERS = (
    (RecordSqlMetafiles, record_sql_metafiles),
    (RestoreSqlDatabases, restore_sql_databases),
    (RecoverSqlDatabases, recover_sql_databases),
    (BackupSqlLogs, backup_sql_logs),
    (DeleteSqlLogInfo, delete_sql_log_info),
)
