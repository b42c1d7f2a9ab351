"""Handlers of the PostgreSQL commands (``events.pg_commands``): check, decide (pure, in
``decide``), then run the steps (``workflows``, ``logs``, ``restore``). The server is the host's
``postgresql`` application port; a host without one refuses the command, changing nothing.

Beyond the port, the PostgreSQL adapter (``adapters.postgres.application``) offers what only
it has; a handler uses it when present (``getattr``) and goes without otherwise:
``receiver(cluster).area.root`` (the default log-backup area), ``control(cluster).spec``
(run directory, segment size), ``start_log_backups`` (``pg_receivewal``), ``collect_logs``
and ``recovery_end``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
from pathlib import Path

from adapters.paths import BadName, PathOutsideRoot, confine
from events.base import Payload
from events.pg_commands import BackupPgCluster, BackupPgLogs, CollectPgWal, ConfigurePgCluster
from services import messages
from services.agent.application_port import ApplicationError
from services.agent.errors import reject
from services.agent.filesystem.handlers import ensure_maps, require_storage
from services.agent.postgres import decide, logs, workflows
from services.agent.postgres.apart import check_apart
from services.agent.postgres.common import application, done
from services.agent.postgres.restore import PG_RESTORE_HANDLERS
from services.agent.service import AgentContext

def _defaults(app, cluster: str) -> tuple[str | None, str | None, int]:
    """The adapter's own log-backup area, label directory and segment size, if it says."""
    try:
        spec = app.control(cluster).spec
        area = str(app.receiver(cluster).area.root)
        return area, str(spec.run_dir / "labels"), spec.segment_size
    except (AttributeError, ApplicationError):
        return None, None, 16 << 20


def _host_roots(context: AgentContext) -> list[Path]:
    """The data directory and the lab host's mount roots (as drmsqlinit's directories)."""
    data_dir, lab = context.ports.data_dir, context.ports.lab
    entry = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == context.host.lower()),
                 None)
    roots = [Path(data_dir)] if data_dir else []
    return roots + [Path(data_dir) / r if data_dir else Path(r)
                    for r in (getattr(entry, "mount_roots", ()) or ())]


def _confined(value: str, roots: list[Path], what: str) -> str:
    """A directory from the command, inside ``roots`` (else the command is refused: a log
    backup area outside them could be any directory the agent can write, and released WAL
    files are deleted from it)."""
    try:
        return str(confine(value, roots, what))
    except (BadName, PathOutsideRoot) as error:
        raise reject(messages.BAD_COMMAND, str(error)) from None


def _live_files(app, view, cluster: str, found) -> list[tuple[str, str, str]]:
    """(cluster, kind, real path) of every directory of every cluster this host knows: the
    one being set up (``found``), those set up before, and the others the port lists."""
    files = [(cluster, f.kind, f.path) for d in found for f in d.files]
    for name, state in view.postgres.clusters.items():
        files += [(name, kind, path) for path, kind, *_ in state.files]
    with contextlib.suppress(AttributeError, ApplicationError):
        for name in app.instances():
            if name != cluster:
                with contextlib.suppress(ApplicationError, OSError):
                    files += [(name, f.kind, f.path) for d in app.databases(name) for f in d.files]
    return [(owner, kind, os.path.realpath(path)) for owner, kind, path in dict.fromkeys(files)]


def _other_areas(view, cluster: str) -> list[tuple[str, str, str]]:
    return [(name, what, os.path.realpath(path))
            for name, state in view.postgres.clusters.items() if name != cluster
            for what, path in (("log backup directory", state.log_backup_dir),
                               ("label directory", state.metadata_dir))]


def configure(command: ConfigurePgCluster, context: AgentContext) -> list[Payload]:
    app = application(context)
    ensure_maps(context)
    try:
        found = app.databases(command.cluster)
    except ApplicationError as error:
        raise reject(messages.UNKNOWN_OBJECT, f"the cluster {command.cluster}: {error}") from None
    area, labels, size = _defaults(app, command.cluster)
    log_dir, label_dir = command.log_backup_dir or area, command.metadata_dir or labels
    if not log_dir or not label_dir:
        raise reject(messages.BAD_COMMAND, "give -log_dir and -label_dir: the application "
                                           "keeps no default")
    roots = [*_host_roots(context), *(Path(d) for d in (area, labels) if d)]
    log_dir, label_dir = (_confined(log_dir, roots, "log backup directory"),
                          _confined(label_dir, roots, "label directory"))
    check_apart(command.cluster, {"log backup directory": os.path.realpath(log_dir),
                                  "label directory": os.path.realpath(label_dir)},
                _live_files(app, context.view, command.cluster, found),
                _other_areas(context.view, command.cluster))
    files = tuple(dict.fromkeys((f.path, f.kind) for d in found for f in d.files))
    event = decide.plan_configure(context.view, command.cluster, files, log_dir, label_dir, size)
    for directory in (log_dir, label_dir):
        Path(directory).mkdir(parents=True, exist_ok=True)
    context.record([event])
    return done(command, cluster=command.cluster, files=[f.path for f in event.files],
                log_backup_dir=log_dir, metadata_dir=label_dir,
                copy_groups=list(dict.fromkeys(g for f in event.files for g in f.copy_groups)))


def backup(command: BackupPgCluster, context: AgentContext) -> list[Payload]:
    require_storage(context)
    app = application(context)
    plan = decide.plan_backup(context.view, context.envelope.workflow_id, command.cluster,
                              command.mode, command.generation, command.comment)
    plan = dataclasses.replace(plan, fast=command.fast)  # issue 14 (pg-more): -spread
    area = Path(plan.cluster.log_backup_dir)
    if plan.mode == "ONLINE":  # the WAL the copy needs reaches the area before the entry
        try:
            with logs.streaming(app, command.cluster):
                recorded, details = workflows.run_backup(context, plan)
                with contextlib.suppress(ApplicationError):  # the next log backup takes them
                    _collect(app, command.cluster)
        except ApplicationError as error:  # the receiver would not start (nothing recorded)
            raise workflows.failure(f"WAL streaming of {command.cluster}", error) from error
    else:
        recorded, details = workflows.run_backup(context, plan)
    context.record(logs.new_files(context.view, command.cluster, area))
    result = dict(backup_id=recorded.backup_id, generation=recorded.generation,
                  copy_groups=list(recorded.copy_groups), mode=recorded.mode,
                  cluster=command.cluster, start_lsn=details.start_lsn,
                  stop_lsn=details.stop_lsn, timeline=details.timeline,
                  superseded=[d.backup_id for d in plan.volume_plan.superseded])
    released = logs.released(context.view, command.cluster)
    if released is not None:
        context.record([released])
        logs.delete_released(context.view, command.cluster, area)
        result["released"] = len(released.file_names)
    return done(command, **result)


def log_backup(command: BackupPgLogs, context: AgentContext) -> list[Payload]:
    app = application(context)
    cluster = decide.cluster_of(context.view, command.cluster)
    area = Path(cluster.log_backup_dir)
    try:
        with logs.streaming(app, command.cluster):
            app.log_backup(command.cluster, "", area)
            _collect(app, command.cluster)
    except ApplicationError as error:
        raise workflows.failure(f"log backup of {command.cluster}", error) from error
    archived = logs.new_files(context.view, command.cluster, area)
    context.record(archived)
    return done(command, cluster=command.cluster, files=[a.file_name for a in archived],
                backup_id=logs.latest_backup_id(context.view, command.cluster))


def collect_wal(command: CollectPgWal, context: AgentContext) -> list[Payload]:
    """The serving agent's own command (``keeper``): what ``pg_receivewal`` finished is moved
    into the area and recorded, one event per file; nothing is switched or started."""
    app = application(context)
    cluster = decide.cluster_of(context.view, command.cluster)
    try:
        _collect(app, command.cluster)
    except ApplicationError as error:
        raise workflows.failure(f"WAL collection of {command.cluster}", error) from error
    archived = logs.new_files(context.view, command.cluster, Path(cluster.log_backup_dir))
    context.record(archived)
    return done(command, cluster=command.cluster, files=[a.file_name for a in archived])


def _collect(app, cluster: str) -> None:
    if hasattr(app, "collect_logs"):  # moved only: ``logs.new_files`` hashes what it records
        app.collect_logs(cluster, describe=False)


PG_COMMAND_HANDLERS = (
    (ConfigurePgCluster, configure), (BackupPgCluster, backup), (BackupPgLogs, log_backup),
    *PG_RESTORE_HANDLERS,
    (CollectPgWal, collect_wal),  # issue 14 (pg-more)
)
