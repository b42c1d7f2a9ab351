"""Pure decisions of the PostgreSQL commands: the view (and facts the port gave) in, events or
a plan out, or a ``CommandRejection``. Nothing here touches the server, the array or a file.

Rules (issue 14, spec 05 §3 by analogy):
- a cluster is protected whole: every file (data, WAL, tablespaces) must lie under a mount point
  of the dictionary map whose volume is a P-VOL with copy groups; ``drm pg init`` and every
  backup refuse one that is not, naming each directory not covered;
- a backup takes one generation across every volume of the cluster, chosen as the file-system
  backup chooses it (``services.agent.filesystem.decide``: rotation, ``-rc``, locks), and
  supersedes the entries on those copy groups;
- a restore is refused before anything changes when the WAL the backup needs (start to stop
  segment) is not all in the log backups; a cold backup needs none.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from events import postgres as pg
from events.maps import VolumeMap
from projections.host_view import HostView
from projections.pg_view import PgBackupState, PgClusterState
from services import messages
from services.agent.errors import no_backup, reject
from services.agent.filesystem import decide as fs_decide
from services.agent.postgres.chain import ChainReport, check_chain
from services.agent.postgres.wal import parse_history, parse_lsn

UNKNOWN_OBJECT = messages.UNKNOWN_OBJECT
NOT_COVERED = messages.PG_NOT_COVERED
CHAIN_BROKEN = messages.PG_CHAIN_BROKEN


def volume_of(view: HostView, path: str) -> VolumeMap | None:
    """The dictionary map's volume whose mount point holds ``path`` (the deepest one)."""
    found = None
    target = PurePosixPath(path)
    for volume in view.volumes.values():
        point = PurePosixPath(volume.mount_point)
        if (target == point or point in target.parents) and (
                found is None or len(point.parts) > len(PurePosixPath(found.mount_point).parts)):
            found = volume
    return found


def cluster_files(view: HostView, files) -> tuple[pg.PgClusterFile, ...]:
    """``files`` (``(path, kind)`` pairs from the port) mapped to their protected volumes;
    ``KAVX0006-E`` naming every directory no protected volume covers."""
    mapped, uncovered = [], []
    for path, kind in files:
        volume = volume_of(view, path)
        groups = tuple(g.copy_group for g in fs_decide.pvol_groups(volume)) if volume else ()
        if not groups:
            uncovered.append(f"{kind} {path}")
            continue
        mapped.append(pg.PgClusterFile(path=path, kind=kind, mount_point=volume.mount_point,
                                       copy_groups=groups))
    if uncovered:
        raise reject(NOT_COVERED, "the cluster's files are not all on protected volumes; not "
                                  "covered: " + ", ".join(uncovered))
    return tuple(mapped)


def plan_configure(view: HostView, cluster: str, files, log_backup_dir: str,
                   metadata_dir: str, segment_size: int = 16 << 20) -> pg.PgClusterConfigured:
    mapped = cluster_files(view, files)
    for name, directory in (("log backup", log_backup_dir), ("label", metadata_dir)):
        if volume_of(view, directory) in {view.volumes.get(f.mount_point) for f in mapped}:
            raise reject(messages.BAD_COMMAND, f"the {name} directory {directory} is on a volume "
                                               "of the cluster: a restore would overwrite it")
    return pg.PgClusterConfigured(cluster=cluster, files=mapped, log_backup_dir=log_backup_dir,
                                  metadata_dir=metadata_dir, segment_size=segment_size)


def cluster_of(view: HostView, cluster: str) -> PgClusterState:
    state = view.postgres.clusters.get(cluster)
    if state is None:
        raise reject(UNKNOWN_OBJECT, f"the PostgreSQL cluster {cluster} is not set up on this "
                                     "host (drm pg init)")
    return state


def mount_points(cluster: PgClusterState) -> tuple[str, ...]:
    return tuple(dict.fromkeys(point for _, _, point, _ in cluster.files))


@dataclass(frozen=True)
class PgBackupPlan:
    cluster: PgClusterState
    volume_plan: fs_decide.BackupPlan
    mode: str  # ONLINE | COLD
    fast: bool = True  # issue 14 (pg-more): False = ``-spread``, a spread checkpoint at start

    @property
    def workflow_id(self) -> str:
        return self.volume_plan.request.workflow_id

    @property
    def backup_id(self) -> str:
        return self.volume_plan.request.backup_id


def plan_backup(view: HostView, workflow_id: str, cluster: str, mode: str,
                generation: str | None, comment: str = "") -> PgBackupPlan:
    state = cluster_of(view, cluster)
    cluster_files(view, ((path, kind) for path, kind, _, _ in state.files))  # still covered?
    volume_plan = fs_decide.plan_backup(view, workflow_id, mount_points(state), "online",
                                        generation, comment)
    mode = mode.upper()
    request = volume_plan.request.model_copy(update={"mode": mode})
    return PgBackupPlan(state, fs_decide.BackupPlan(request, volume_plan.superseded,
                                                    volume_plan.volumes, volume_plan.groups),
                        mode)


# -- the restore-point proof ---------------------------------------------------------------------
def backup_of(view: HostView, backup_id: str) -> PgBackupState:
    backup = view.postgres.backups.get(backup_id)
    if backup is None or backup_id not in view.catalog:
        raise no_backup(backup_id)
    return backup


def histories(view: HostView, cluster: str) -> dict[int, tuple[tuple[int, int], ...]]:
    files = view.postgres.wal.get(cluster, {}).values()
    return {f.timeline: tuple((parent, parse_lsn(lsn)) for parent, lsn in f.switches)
            for f in files if f.kind == "history"}


def chain_of(view: HostView, backup: PgBackupState,
             present: frozenset[str] | None = None) -> ChainReport:
    """The chain over the recorded log backups; with ``present`` (the names the log backup
    area holds now), a recorded file that is gone from it counts as missing."""
    files = view.postgres.wal.get(backup.cluster, {}).values()
    segments = [f.file_name for f in files if f.kind in ("segment", "partial")
                and (present is None or f.file_name in present)]
    size = segment_size(view, backup.cluster)
    return check_chain(backup.timeline, parse_lsn(backup.start_lsn), parse_lsn(backup.stop_lsn),
                       segments, histories(view, backup.cluster), size)


def segment_size(view: HostView, cluster: str) -> int:
    state = view.postgres.clusters.get(cluster)
    return state.segment_size if state is not None else 16 << 20


def check_restorable(view: HostView, backup: PgBackupState,
                     present: frozenset[str] | None = None) -> ChainReport:
    """The chain report of ``backup``; rejected when its needed WAL is incomplete."""
    report = chain_of(view, backup, present)
    if backup.mode == "ONLINE" and not report.complete:
        raise reject(CHAIN_BROKEN, f"the backup {backup.backup_id} needs the WAL "
                                   f"{report.needed[0]} to {report.needed[1]}; missing from the "
                                   f"log backups: {', '.join(report.missing[:5])}")
    return report


def recovery_target(view: HostView, cluster: str, target: str, value: str) -> str:
    """The port's target text (``""`` = latest, ``time:…``, ``lsn:…``, ``name:…``,
    ``immediate``), refusing ``latest`` along a diverged timeline."""
    backup_id = view.postgres.restored.get(cluster)
    if backup_id is None:
        raise reject(messages.BAD_COMMAND, f"the cluster {cluster} has no restored backup "
                                           "waiting for recovery (drm pg restore first)")
    backup = backup_of(view, backup_id)
    report = chain_of(view, backup)
    if target == "latest" and report.diverged:
        raise reject(CHAIN_BROKEN, report.diverged + "; give -target immediate, -time, -lsn or "
                                                     "-name on the backup's timeline")
    return {"latest": "", "immediate": "immediate"}.get(target, f"{target}:{value}")


def parse_history_text(text: str) -> tuple[pg.TimelineSwitch, ...]:
    from services.agent.postgres.wal import format_lsn
    return tuple(pg.TimelineSwitch(parent=p, lsn=format_lsn(lsn)) for p, lsn in
                 parse_history(text))
