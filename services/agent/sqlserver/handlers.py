"""Handlers of the SQL Server commands that record (``events.sql_commands``): drmsqlinit,
drmsqldisplay -refresh and drmsqlbackup (wrapped, as drmfsbackup is, by the user script and
the auto-import: ``services.agent.handlers``).

Each asks the instance through the application port (kind ``sqlserver``), decides with
``decide`` (pure) and records. An ``ApplicationError`` from a query of the instance becomes
the manual's ``KAVX0006-E`` with a ``DRM-111xx`` detail; nothing is recorded then.
"""
from __future__ import annotations

from pathlib import Path

from adapters.lab.provision import mount_path
from adapters.paths import BadName, PathOutsideRoot, confine
from events import sqlserver as sql
from events.base import Payload
from events.sql_commands import BackupSqlServer, InitSqlServer, RefreshSqlMap
from projections.sql_view import SqlSettings
from services import messages
from services.agent.application_port import ApplicationError, ApplicationPort
from services.agent.configuration import use_configuration
from services.agent.errors import CommandRejection, reject
from services.agent.extended.scripts import run_section
from services.agent.filesystem import workflows as fs_workflows
from services.agent.filesystem.handlers import completed, ensure_maps, require_storage
from services.agent.pairs.observing import observe_groups
from services.agent.service import AgentContext
from services.agent.sqlserver import decide
from services.agent.sqlserver.workflow import run_sql_backup

ERROR_DETAIL = {"not-found": messages.SQL_UNKNOWN, "not-running": messages.SQL_NOT_RUNNING,
                "state": messages.SQL_DATABASE_STATE}


def sqlserver(context: AgentContext) -> ApplicationPort:
    port = context.ports.application(decide.KIND)
    if port is None:
        raise reject(messages.SQL_NO_APPLICATION, f"the host {context.host} has no SQL Server "
                                                  "instance (no sqlserver application port)")
    return port


def refused(error: ApplicationError) -> CommandRejection:
    return reject(ERROR_DETAIL.get(error.reason, messages.SQL_UNKNOWN), str(error)[:1024])


def instance_state(port: ApplicationPort, instance: str) -> tuple[str, str, tuple]:
    """The instance's own spelling, its status and (running) its databases."""
    try:
        status = port.status(instance)
        name = next((n for n in port.instances() if n.lower() == instance.lower()), instance)
        return name, status, port.databases(instance) if status == decide.RUNNING else ()
    except ApplicationError as error:
        raise refused(error) from None


# -- drmsqlinit -----------------------------------------------------------------------------------
def confined_dir(context: AgentContext, value: str, what: str) -> str:
    """``value`` ("" = not registered) as an absolute directory inside the data directory (or
    the lab host's mount roots)."""
    if not value:
        return ""
    data_dir = context.ports.data_dir
    lab = context.ports.lab
    entry = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == context.host.lower()),
                 None)
    roots = [Path(data_dir)] if data_dir else []
    roots += [Path(data_dir) / r if data_dir else Path(r) for r in
              (getattr(entry, "mount_roots", ()) or ())]
    try:
        return str(confine(value, roots, what))
    except (BadName, PathOutsideRoot) as error:
        raise reject(messages.SQL_SETTINGS_BAD, str(error)) from None


def make_dirs(paths) -> None:
    """Create the registered directories (once every one is known to be inside its roots)."""
    for path in filter(None, paths):
        try:
            Path(path).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise reject(messages.SQL_SETTINGS_BAD, f"{path}: {error.strerror}") from None


def init_sql_server(command: InitSqlServer, context: AgentContext) -> list[Payload]:
    """Tables 6-1 and 6-3: the instance runs and no database is in a combined state."""
    name, status, databases = instance_state(sqlserver(context), command.instance)
    if status != decide.RUNNING:
        raise reject(messages.SQL_NOT_RUNNING, f"the instance {name} is {status}; drmsqlinit "
                                               "needs it running")
    combined = [d for d in databases if "+" in d.state]
    if combined:
        raise reject(messages.SQL_DATABASE_STATE, f"the database {combined[0].name} is "
                                                  f"{combined[0].state}: drmsqlinit refuses a "
                                                  "combined state (manual table 6-3)")
    event = sql.SqlSettingsRegistered(
        instance=name, vdi_timeout=command.vdi_timeout,
        metadata_dir=confined_dir(context, command.metadata_dir, "VDI metafile directory"),
        undo_dir=confined_dir(context, command.undo_dir, "undo file directory"),
        log_backup_dir=confined_dir(context, command.log_backup_dir, "log backup directory"))
    make_dirs((event.metadata_dir, event.undo_dir, event.log_backup_dir))
    context.record([event])
    return completed(command, **event.model_dump(mode="json"))


# -- drmsqldisplay -refresh -----------------------------------------------------------------------
def refresh_sql_map(command: RefreshSqlMap, context: AgentContext) -> list[Payload]:
    """The file systems' maps first (as drmfsdisplay -refresh), then the application map."""
    port = sqlserver(context)
    if context.ports.storage is not None and context.ports.lab is not None:
        require_storage(context)
        context.record([fs_workflows.discovered_maps(context)])
    names = (command.instance,) if command.instance else port.instances()
    maps = []
    for wanted in names:
        name, status, databases = instance_state(port, wanted)
        if command.instance and status != decide.RUNNING:
            raise reject(messages.SQL_NOT_RUNNING, f"the instance {name} is {status}; "
                                                   "drmsqldisplay -refresh needs it running")
        maps.append(decide.instance_map(context.view, name, status, databases))
    context.record([sql.SqlApplicationMapRefreshed(instances=tuple(maps),
                                                   whole=command.instance is None)])
    return completed(command, instances=[m.instance for m in maps])


# -- drmsqlbackup ---------------------------------------------------------------------------------
def sql_settings(context: AgentContext, instance: str) -> SqlSettings | None:
    """The instance's SQL Server information: the last drmsqlinit, else the lab's."""
    return context.view.sql.settings_of(instance) or lab_settings(context, instance)


def lab_settings(context: AgentContext, instance: str) -> SqlSettings | None:
    """The SQL Server information the lab gives the instance (a lab starts as if drmsqlinit
    had run, ``adapters.lab.sql_model``); None when it gives none. drmsqlinit overrides it."""
    lab, data_dir = context.ports.lab, context.ports.data_dir
    host = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == context.host.lower()),
                None)
    found = next((i for i in getattr(host, "sql_instances", ()) or ()
                  if i.name.lower() == instance.lower()), None)
    if found is None:
        return None

    def where(path: str) -> str:
        return str(mount_path(Path(data_dir), path, host.mount_roots)) if path and data_dir \
            else path

    return SqlSettings(instance, where(found.metafile_dir), found.vdi_timeout,
                       where(found.undo_dir), where(found.log_backup_dir))


def backup_sql_server(command: BackupSqlServer, context: AgentContext) -> list[Payload]:
    port = sqlserver(context)
    if command.script is not None and not command.script.local_backup:
        raise reject(messages.SCRIPT_PROBLEM, "LOCAL_BACKUP=NO (a backup by the user script "
                                              "only) is not supported yet")
    require_storage(context)
    configuration = use_configuration(command, context, "split")
    context.progress(messages.line(messages.SQL_COLLECTING))
    name, status, databases = instance_state(port, command.instance)
    decide.require_running(name, status)
    settings = sql_settings(context, name)
    if settings is None:
        raise reject(messages.SQL_NOT_SET_UP, f"drmsqlinit {name} was never run on this host")
    chosen = decide.choose_databases(name, databases, command.system, command.targets)
    ensure_maps(context)  # a host that never built its maps builds them (missing object)
    records, volumes = decide.placed(context.view, chosen, databases)
    if command.template:
        return template(command, context, name, records)
    plan = decide.plan_sql_backup(context.view, context.envelope.workflow_id, name, records,
                                  volumes, settings, command.generation, command.comment,
                                  command.system)
    observe_groups(context, plan.groups)
    if configuration:
        context.record(configuration)
    context.progress(messages.line(messages.SQL_BACKING_UP))
    sections = None if command.script is None else (
        lambda runner, section: run_section(context, runner, command, section, True))
    recorded, details, shown = run_sql_backup(context, plan, sections)
    return completed(command, backup_id=recorded.backup_id, instance=name,
                     databases=[r.name for r in records], generation=recorded.generation,
                     copy_groups=list(recorded.copy_groups), mode=recorded.mode, template=False,
                     metafiles=[m.model_dump() for m in details.metafiles],
                     superseded=[d.backup_id for d in plan.superseded], script_sections=shown)


def template(command: BackupSqlServer, context: AgentContext, name: str,
             records) -> list[Payload]:
    """``-template``: a template catalog entry of the layout, no backup (spec 05 §2.8)."""
    details = sql.SqlBackupDetails(
        backup_id=context.view.next_backup_id, instance=name, databases=records,
        template=True, system=command.system, recorded_at=context.clock(),
        comment=command.comment, workflow_id=context.envelope.workflow_id)
    context.record([details])
    return completed(command, backup_id=details.backup_id, instance=name,
                     databases=[r.name for r in records], generation="", copy_groups=sorted(
                         {g for r in records for f in r.files for g in f.copy_groups}),
                     mode="ONLINE", template=True, metafiles=[], superseded=[])


SQL_COMMAND_HANDLERS = (
    (InitSqlServer, init_sql_server),
    (RefreshSqlMap, refresh_sql_map),
)
