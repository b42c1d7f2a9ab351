"""Pure decisions of ``drmsqlrestore``, ``drmsqlrecover``/``drmsqlrecovertool`` and
``drmsqllogbackup``: the checks of spec 05 §3.2-3.5 and tables 6-1 to 6-4, in the order the
manual gives them, each a ``CommandRejection`` before anything is recorded, and the plans the
workflows carry out. Inputs are facts (``facts``), the live instance (``LiveInstance``, read from
the application port by the handler) and the host view's log part; no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from events.sql_logs import SqlRollForwardRequested
from events.sql_restore import RecoverSqlDatabases, RestoreSqlDatabases, SqlRestoreRequested
from projections.sql_log_view import SqlLogRecord, SqlLogView
from services import messages
from services.agent.application_port import RUNNING, DatabaseInfo
from services.agent.errors import CommandRejection, no_backup, reject
from services.agent.sqlserver_restore import chain, state_tables as tables
from services.agent.sqlserver_restore.facts import EntryFacts, SettingsFacts

FINISH_STATES = {"online": "ONLINE", "standby": "STANDBY", "loading": "LOADING"}
RECOVER_KEYS = {"online": tables.RECOVER, "standby": tables.RECOVER_UNDO,
                "loading": tables.RECOVER_LOADING}
TOOL_KEYS = {"online": tables.TOOL_ONLINE, "standby": tables.TOOL_STANDBY,
             "loading": tables.TOOL_LOADING}


@dataclass(frozen=True)
class LiveInstance:
    """The instance as the application port reports it now."""

    name: str
    status: str
    databases: Mapping[str, DatabaseInfo] = field(default_factory=dict)  # by lower-case name

    def database(self, name: str) -> DatabaseInfo | None:
        return self.databases.get(name.lower())


def state_refused(database: str, state: str, command: str) -> CommandRejection:
    return reject(messages.SQL_STATE, f"{command} cannot run on the database {database} in the "
                                      f"state {state}")


# -- restore -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SqlRestorePlan:
    request: SqlRestoreRequested
    entry: EntryFacts
    results: tuple[tuple[str, str], ...]  # (database, state it is left in)
    stop_instance: bool  # system databases: the instance is stopped around the copy


def plan_sql_restore(entry: EntryFacts | None, command: RestoreSqlDatabases, host: str,
                     live: LiveInstance, settings: SettingsFacts | None,
                     workflow_id: str) -> SqlRestorePlan:
    if entry is None or entry.template != command.template:
        raise no_backup(command.backup_id)
    if not command.nochk_host and entry.origin_host and \
            entry.origin_host.lower() != host.lower():
        raise reject(messages.SQL_OTHER_HOST, f"the backup {entry.backup_id} was made on "
                                              f"{entry.origin_host}; give -nochk_host to "
                                              f"restore it on {host}")
    if entry.used_up:
        raise reject(messages.SQL_USED_UP, f"the backup {entry.backup_id} came back from tape "
                                           f"and was restored already; restore it from tape "
                                           f"again (manual Fig. 6-3)")
    chosen = _chosen_databases(entry, command.targets)
    target_instance = command.instance or entry.instance
    other_instance = target_instance.lower() != entry.instance.lower()
    includes_system = any(d.system or tables.is_system(d.name) for d in chosen)
    if other_instance:
        _check_other_instance(entry, chosen, settings)
    if command.undo and not (settings and settings.undo_dir):
        raise reject(messages.SQL_SETTINGS, f"-undo needs the undo file directory of "
                                            f"{target_instance} (drmsqlinit)")
    key = tables.RESTORE_UNDO if command.undo else tables.RESTORE
    if not tables.service_allows(key, live.status, includes_system):
        raise reject(messages.SQL_STATE, f"the instance {target_instance} is {live.status}: "
                                         "start it (only a restore that includes the system "
                                         "databases runs while it is stopped)")
    restored, results, unconfirmed = [], [], []
    for database in chosen:
        if tables.type_cell(key, database.name).verdict == tables.PASS:
            continue  # tempdb: runs, no operation
        current = live.database(database.name)
        state = current.state if current is not None else ""
        if current is not None:
            cell = tables.state_cell(key, state, includes_system)
            if not cell.allowed:
                raise state_refused(database.name, state, "drmsqlrestore")
            if tables.UNCONFIRMED in tables.state_parts(state):
                unconfirmed.append(database.name)
        restored.append(database)
        results.append((database.name, tables.STANDBY if command.undo else tables.LOADING))
    request = SqlRestoreRequested(
        workflow_id=workflow_id, backup_id=entry.backup_id, original_id=entry.original_id,
        instance=entry.instance, target_instance=target_instance,
        databases=tuple(d.name for d in restored),
        copy_groups=tuple(dict.fromkeys(g for d in restored for g in d.copy_groups)),
        resync=command.resync, standby=command.undo, includes_system=includes_system,
        unconfirmed=tuple(unconfirmed))
    stop = includes_system and live.status == RUNNING and command.resync
    return SqlRestorePlan(request, entry, tuple(results), stop)


def _chosen_databases(entry: EntryFacts, targets: Sequence[str]):
    if not targets:
        return entry.databases
    chosen = []
    for name in targets:
        database = entry.database(name)
        if database is None:
            raise reject(messages.UNKNOWN_OBJECT, f"the backup {entry.backup_id} does not "
                                                  f"contain the database {name}")
        chosen.append(database)
    points = {p for d in chosen for p in d.mount_points}
    left_out = [d.name for d in entry.databases if d not in chosen and
                points & set(d.mount_points)]
    if left_out:  # the unit of restore is the volume
        raise reject(messages.SHARED_VOLUME, f"the database {left_out[0]} shares a volume with "
                                             "the databases named: name it too")
    return tuple(chosen)


def _check_other_instance(entry: EntryFacts, chosen, settings: SettingsFacts | None) -> None:
    system = [d.name for d in chosen if d.system or tables.is_system(d.name)]
    if system:
        raise reject(messages.SQL_OTHER_INSTANCE, f"the system database {system[0]} cannot be "
                                                  "restored to another instance")
    if entry.metadata_dir or (settings and settings.metadata_dir):
        raise reject(messages.SQL_OTHER_INSTANCE, "a restore to another instance needs the "
                                                  "VDI metafiles on the P-VOL: no VDI metafile "
                                                  "directory may be registered")


# -- recovery ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RollForward:
    database: str
    records: tuple[SqlLogRecord, ...]
    finish: str  # ONLINE | STANDBY | LOADING
    chain_complete: bool
    original_id: str

    def intent(self, workflow_id: str, instance: str) -> SqlRollForwardRequested:
        return SqlRollForwardRequested(workflow_id=workflow_id, instance=instance,
                                       database=self.database,
                                       files=tuple(r.path for r in self.records),
                                       finish=self.finish)


def plan_recovery(command: RecoverSqlDatabases, live: LiveInstance, logs: SqlLogView,
                  settings: SettingsFacts | None) -> tuple[RollForward, ...]:
    """What each database gets: its logs (from the list file) and its final state. Databases
    already Online pass (table 6-2 "Yes"); system databases are skipped unless named."""
    tool = command.tool
    key = (TOOL_KEYS if tool else RECOVER_KEYS)[command.finish]
    if not tables.service_allows(key, live.status):
        raise reject(messages.SQL_STATE, f"the instance {live.name} is {live.status}")
    if command.finish == "standby" and not (settings and settings.undo_dir):
        raise reject(messages.SQL_SETTINGS, f"standby needs the undo file directory of "
                                            f"{live.name} (drmsqlinit)")
    by_database = _log_lists(command)
    names = list(command.targets) or [d.name for d in live.databases.values()]
    plans = []
    for name in names:
        cell = tables.type_cell(key, name, named=bool(command.targets))
        if cell.verdict in (tables.ERROR, tables.NO) or (tool and cell.verdict == tables.SKIP
                                                         and command.targets):
            raise reject(messages.SQL_STATE, f"the system database {name} cannot be recovered")
        if cell.verdict == tables.SKIP:
            continue
        current = live.database(name)
        if current is None:
            raise reject(messages.UNKNOWN_OBJECT, f"the instance {live.name} has no database "
                                                  f"{name}")
        state_cell = tables.state_cell(key, current.state)
        if not state_cell.allowed:
            if command.targets or tool or name.lower() in by_database:
                raise state_refused(name, current.state, key)
            continue
        if state_cell.verdict == tables.PASS:
            continue  # Online already: runs, nothing to do
        plans.append(_roll_forward(logs, live.name, current.name, by_database.get(name.lower(),
                                                                                  ()),
                                   FINISH_STATES[command.finish]))
    unknown = sorted(set(by_database) - set(live.databases))
    if unknown:  # sections of databases the command leaves alone are not applied
        raise reject(messages.SQL_LOG_LIST, f"the list names logs of {unknown[0]}, which "
                                            f"the instance {live.name} does not have")
    return tuple(plans)


def _log_lists(command: RecoverSqlDatabases) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for section in command.log_list:
        key = section.database.lower()
        found[key] = found.get(key, ()) + tuple(section.files)
    return found


def _roll_forward(logs: SqlLogView, instance: str, database: str, paths, finish: str):
    try:
        records = chain.resolve(logs, instance, database, paths)
        chain.check_roll_forward(logs, instance, database, records)
    except chain.ChainError as error:
        raise reject(messages.SQL_LOG_CHAIN, str(error)) from None
    restored = logs.restores.get(f"{instance.lower()}/{database}")
    return RollForward(database, records, finish,
                       chain.completes_chain(logs, instance, database, records),
                       restored.original_id if restored else "")


# -- log backup ----------------------------------------------------------------------------------
def plan_log_backup(instance: str, targets: Sequence[str], truncate: bool, no_cat: bool,
                    live: LiveInstance, logs: SqlLogView, settings: SettingsFacts | None,
                    start: chain.StartPoint | None) -> tuple[str, ...]:
    """The databases whose logs are backed up now, after the checks of spec 05 §2.7."""
    if not (settings and settings.log_backup_dir):
        raise reject(messages.SQL_SETTINGS, f"the log backup directory of {instance} is not "
                                            "registered (drmsqlinit)")
    if not tables.service_allows(tables.LOG_BACKUP, live.status):
        raise reject(messages.SQL_STATE, f"the instance {instance} is {live.status}")
    if start is None and not no_cat:
        raise no_backup(f"latest backup of {instance}")
    key = tables.LOG_BACKUP if truncate else tables.LOG_BACKUP_TAIL
    named = bool(targets)
    names = list(targets) or [d.name for d in live.databases.values()]
    chosen = []
    for name in names:
        current = live.database(name)
        if current is None:
            raise reject(messages.UNKNOWN_OBJECT, f"the instance {instance} has no database "
                                                  f"{name}")
        eligible = (tables.type_cell(key, name).allowed and not current.system
                    and current.recovery_model.upper() in ("FULL", "BULK_LOGGED"))
        if not eligible:
            if named:
                raise reject(messages.SQL_STATE, f"the log of {name} cannot be backed up "
                                                 f"(system database or SIMPLE recovery model)")
            continue
        if not tables.state_cell(key, current.state).allowed:
            if named:
                raise state_refused(name, current.state, key)
            continue
        if start is not None and not no_cat and not start.holds(current.name):
            if named:
                raise reject(messages.SQL_LOG_CHAIN, f"the latest backup of {instance} "
                                                     f"({start.backup_id}) does not hold "
                                                     f"{name}: no chain to add a log to")
            continue
        problem = chain.log_backup_problem(logs, instance, current.name, None if no_cat
                                           else start)
        if problem:
            raise reject(messages.SQL_LOG_CHAIN, problem)
        chosen.append(current.name)
    return tuple(chosen)
