"""Query handlers of the PostgreSQL commands: answers from the view, no events. Result shapes
are those documented in ``events.pg_commands``.

``consistency`` is the generation mark (issue 14): a copy group's S-VOL copy is
``application-consistent`` (an online backup's split, its label recorded), ``cold-consistent``
(split with the server shut down), ``crash-consistent`` (split by anything else: a raw
``pairsplit``, a file-system backup), ``unusable`` (a PostgreSQL backup started and never
recorded, until the next backup), or ``none`` (not split: the S-VOL is being copied).
"""
from __future__ import annotations

from events.pg_commands import DisplayPgCluster, ListPgCatalog, ListPgLogBackups
from projections.host_view import HostView
from projections.pg_view import CRASH, NONE, UNUSABLE
from services.agent.postgres import decide
from services.agent.service import AgentContext

SPLIT = ("PSUS", "SSUS", "PSUE")


def consistency(view: HostView, copy_group: str) -> tuple[str, str, str]:
    """``(state, backup ID, reason)`` of the copy held on ``copy_group``'s S-VOL."""
    state = view.copy_groups.get(copy_group)
    mark = view.postgres.marks.get(copy_group)
    split = state is not None and state.status in SPLIT
    split_elsewhere = state is not None and state.last_split_seq > 0 and (
        mark is None or (state.last_split_workflow != mark.workflow_id
                         and state.last_split_seq > mark.seq
                         and not _restore_of(view, state.last_split_workflow, mark.backup_id)))
    if mark is not None and mark.state == UNUSABLE and not split_elsewhere:
        return UNUSABLE, "", mark.reason
    if not split:
        return NONE, "", "not split"
    if split_elsewhere or mark is None:
        return CRASH, "", "split outside a PostgreSQL backup"
    if mark.backup_id not in view.catalog:
        return UNUSABLE, "", f"its catalog entry {mark.backup_id} was deleted"
    return mark.state, mark.backup_id, ""


def _restore_of(view: HostView, workflow_id: str, backup_id: str) -> bool:
    """A restore of ``backup_id`` splits its pairs again after the reverse copy: the S-VOL
    still holds that backup's copy."""
    workflow = view.workflows.get(workflow_id) or view.ended_workflows.get(workflow_id)
    return workflow is not None and workflow.kind == "restore" and \
        workflow.backup_id == backup_id


def display(command: DisplayPgCluster, context: AgentContext) -> dict:
    view = context.view
    names = [command.cluster] if command.cluster else sorted(view.postgres.clusters)
    clusters = []
    for name in names:
        cluster = decide.cluster_of(view, name)
        files = []
        for path, kind, point, groups in cluster.files:
            volume = view.volumes.get(point)
            by_name = {g.copy_group: g for g in volume.copy_groups} if volume else {}
            rows = []
            for group in groups:
                state, backup_id, reason = consistency(view, group)
                known = by_name.get(group)
                rows.append({"copy_group": group,
                             "generation": known.generation if known else "",
                             "copy_func": known.copy_func if known else "",
                             "consistency": state, "backup_id": backup_id, "reason": reason})
            files.append({"path": path, "kind": kind, "mount_point": point,
                          "device": volume.device if volume else "", "copy_groups": rows})
        clusters.append({"cluster": name, "log_backup_dir": cluster.log_backup_dir,
                         "metadata_dir": cluster.metadata_dir, "files": files})
    return {"clusters": clusters}


def catalog(command: ListPgCatalog, context: AgentContext) -> dict:
    view = context.view
    backups = [b for b in view.postgres.backups.values() if b.backup_id in view.catalog
               and (command.cluster is None or b.cluster == command.cluster)]
    if command.backup_id is not None:
        backups = [decide.backup_of(view, command.backup_id)]
    entries = []
    for backup in sorted(backups, key=lambda b: b.backup_id):
        entry = view.catalog[backup.backup_id]
        states = {consistency(view, g)[0] for g in backup.copy_groups}
        entries.append({
            "backup_id": backup.backup_id, "cluster": backup.cluster, "mode": backup.mode,
            "generation": backup.generation, "copy_groups": list(backup.copy_groups),
            "start_lsn": backup.start_lsn, "stop_lsn": backup.stop_lsn,
            "timeline": backup.timeline, "start_wal": backup.start_wal,
            "stop_wal": backup.stop_wal, "label_sha256": backup.label_sha256,
            "started_at": entry.started_at.isoformat(), "ended_at": entry.ended_at.isoformat(),
            "comment": entry.comment,
            "consistency": states.pop() if len(states) == 1 else UNUSABLE,
            "chain": decide.chain_of(view, backup, _present(view, backup.cluster)).as_dict()
            if command.chain else None})
    return {"entries": entries}


def _present(view: HostView, cluster: str):
    """What the log backup area holds now: a deleted segment is a gap (read-only look)."""
    from pathlib import Path

    from services.agent.postgres.logs import present
    state = view.postgres.clusters.get(cluster)
    return present(Path(state.log_backup_dir)) if state is not None else None


def log_backups(command: ListPgLogBackups, context: AgentContext) -> dict:
    view = context.view
    cluster = decide.cluster_of(view, command.cluster)
    if command.backup_id is not None:
        decide.backup_of(view, command.backup_id)
    by_backup: dict[str, list] = {}
    for f in sorted(view.postgres.wal.get(command.cluster, {}).values(),
                    key=lambda f: (f.kind == "history", f.file_name[8:24], f.file_name)):
        by_backup.setdefault(f.backup_id, []).append(f)
    chains = []
    for backup_id in sorted(by_backup):
        if command.backup_id is not None and backup_id != command.backup_id:
            continue
        entry = view.catalog.get(backup_id)
        chains.append({"original_id": entry.original_id if entry else backup_id,
                       "backup_id": backup_id, "cluster": command.cluster,
                       "files": [{"file_name": f.file_name, "kind": f.kind,
                                  "timeline": f.timeline, "size": f.size, "sha256": f.sha256,
                                  "path": f"{cluster.log_backup_dir.rstrip('/')}/{f.file_name}"}
                                 for f in by_backup[backup_id]]})
    return {"chains": chains}


PG_QUERY_HANDLERS = ((DisplayPgCluster, display), (ListPgCatalog, catalog),
                     (ListPgLogBackups, log_backups))
