"""Commands the agent died in the middle of: they never run twice (issue 15, point 4).

A command is *interrupted* when it recorded events but no outcome (a ``kill -9`` between two
appends). Start-up recovery ends the workflow it left open; then the command must not run
again from the start when the broker delivers it again (that made a second backup, superseding
an older one, or restored twice). ``settle`` decides, from the command's own events and the view
after recovery, the outcome it gets instead:

- a workflow it started (backup, restore, tape copy, S-VOL mount, import) that ended completed
  gives ``CommandCompleted`` with the result the handler would have returned; one that ended
  aborted gives ``CommandFailed`` (``KAVX0006-E``, ``DRM-10045``);
- a workflow still open (recovery has not run: no lab loaded) gives ``None``, and so does a
  command that started no workflow (it only built the maps, say): it may run again, its new
  events numbered after the ones it already has (``event_id`` stays unique).

The agent records the settled outcome under the interrupted command's own identity, at start-up
(``HostAgent.settle_interrupted``, for the commands ``interrupted_commands`` finds at the tail of
the stream) and when it is delivered again (``HostAgent.handle``), so ``store.outcome_of`` finds
it. Pure: the view and the events in, a payload out.
"""
from __future__ import annotations

from typing import Callable, Sequence

from events.base import Payload
from events.outcomes import OUTCOME_TYPES, CommandCompleted, CommandFailed
from projections.host_view import HostView
from services import messages
from services.agent.sqlserver_restore.settling import SQL_SETTLERS, sql_open  # issue 13

INTERRUPTED = messages.CRASH_INTERRUPTED
TAIL = 64  # events read back from the head to find the command a crash interrupted


def interrupted_in(tail: Sequence) -> list[str]:
    """Command ids among ``tail`` (the last events of a host) whose outcome is not among them,
    oldest first; the caller confirms each against the store."""
    ended = {e.command_id for e in tail if e.type in OUTCOME_TYPES}
    return list(dict.fromkeys(e.command_id for e in tail
                              if e.command_id and e.command_id not in ended))


def settle(prior: Sequence, view: HostView) -> Payload | None:
    """The outcome of a command interrupted after recording ``prior`` (see the docstring)."""
    kinds = {e.type: e for e in prior}
    for event_type, settler in SETTLERS:
        if event_type in kinds:
            return None if _open(view, prior) else settler(prior, kinds[event_type].payload, view)
    return None


def _open(view: HostView, prior) -> bool:
    """True while recovery still has to end something this command started."""
    server = view.backup_server
    return (sql_open(view, prior)  # SQL restore, recovery, log backup (issue 13)
            or any(_ended(view, r["workflow_id"]) == "" for r in
                _of(prior, "BackupRequested") + _of(prior, "RestoreRequested"))
            or any(r["workflow_id"] in server.media_copies for r in
                   _of(prior, "MediaCopyRequested"))
            or any(r["copy_group"] in server.mounts_requested for r in
                   _of(prior, "SvolMountRequested")))


def _of(prior, event_type: str) -> list[dict]:
    return [e.payload for e in prior if e.type == event_type]


def _failed(command: str, what: str, how: str) -> CommandFailed:
    return CommandFailed(command=command, message_id=messages.PROCESSING_ERROR,
                         text=messages.error_text(INTERRUPTED, f"the agent restarted during "
                                                              f"{what}; recovery {how} it"))


def _ended(view: HostView, workflow_id: str) -> str:
    return view.how_ended(workflow_id)


def _backup(prior, request: dict, view: HostView) -> Payload:
    name, backup_id = "BackupFileSystem", request["backup_id"]
    how = _ended(view, request["workflow_id"])
    if how != "completed":
        return _failed(name, f"the backup {backup_id}", "aborted")
    result = {"backup_id": backup_id, "generation": request["generation"],
              "copy_groups": list(request["copy_groups"]), "mode": request["mode"],
              "instances": list(request["instances"]),
              "superseded": [d["backup_id"] for d in _of(prior, "BackupEntryDeleted")
                             if d.get("by_backup_id") == backup_id]}
    for sent in _of(prior, "ImportRequested"):
        result["import"] = {"host": sent["target_host"], "command_id": sent["command_id"],
                            "consumer_present": any(s["consumer_present"] for s in
                                                    _of(prior, "ImportSent"))}
    return CommandCompleted(command=name, result=result)


def _sql_backup(prior, request: dict, view: HostView) -> Payload:
    """Issue 13: a SQL Server backup recovery ended (always aborted: its entry needs what only
    the workflow had, ``services.agent.application.recovery``)."""
    name, backup_id = "BackupSqlServer", request["backup_id"]
    if _ended(view, request["workflow_id"]) != "completed" or backup_id not in view.catalog:
        return _failed(name, f"the backup {backup_id}", "aborted")
    entry = view.catalog[backup_id]
    details = view.sql.backup(backup_id)
    return CommandCompleted(command=name, result={
        "backup_id": backup_id, "instance": request["instance"],
        "databases": list(request["databases"]), "generation": entry.generation,
        "copy_groups": list(entry.copy_groups), "mode": entry.mode, "template": False,
        "metafiles": [{"database": m.database, "path": m.path, "size": m.size,
                       "sha256": m.sha256} for m in (details.metafiles if details else ())],
        "superseded": [d["backup_id"] for d in _of(prior, "BackupEntryDeleted")
                       if d.get("by_backup_id") == backup_id]})


def _restore(prior, request: dict, view: HostView) -> Payload:
    name, backup_id = "RestoreFileSystem", request["backup_id"]
    how = _ended(view, request["workflow_id"])
    if how != "completed":
        return _failed(name, f"the restore of {backup_id}", "aborted")
    return CommandCompleted(command=name, result={
        "backup_id": backup_id, "instances": list(request["instances"]),
        "copy_groups": list(request["copy_groups"])})


def _media_copy(prior, request: dict, view: HostView) -> Payload:
    backup_id, source = request["backup_id"], request["source_backup_id"]
    if request["kind"] == "backup":
        entry = view.tape.get(backup_id)
        if entry is None:
            return _failed("BackupToTape", f"the tape backup of {source}", "aborted")
        return CommandCompleted(command="BackupToTape", result={
            "backup_id": backup_id, "source_backup_id": source,
            "original_id": entry.original_id, "media": sorted(entry.media),
            "bytes": sum(a["bytes"] for r in _of(prior, "TapeBackupRecorded")
                         for a in r["archives"])})
    entry = view.catalog.get(backup_id)
    if entry is None:
        return _failed("RestoreFromTape", f"the tape restore of {source}", "aborted")
    return CommandCompleted(command="RestoreFromTape", result={
        "backup_id": backup_id, "tape_backup_id": source, "original_id": entry.original_id,
        "superseded": [d["backup_id"] for d in _of(prior, "BackupEntryDeleted")
                       if d.get("by_backup_id") == backup_id]})


def _mounts(prior, view: HostView) -> tuple[list[dict], bool]:
    mounts, whole = [], True
    for request in _of(prior, "SvolMountRequested"):
        state = view.copy_groups.get(request["copy_group"])
        if state is not None and state.mounted_at == request["mount_point"]:
            mounts.append({"copy_group": request["copy_group"],
                           "mount_point": request["mount_point"], "read_only": None})
        else:
            whole = False
    return mounts, whole


def _mount(prior, request: dict, view: HostView) -> Payload:
    mounts, whole = _mounts(prior, view)
    if not whole:
        return _failed("MountSvol", f"the mount of {request['backup_id'] or request['copy_group']}",
                       "undid")
    return CommandCompleted(command="MountSvol", result={
        "backup_id": request["backup_id"], "mounts": mounts,
        "purged": [d["backup_id"] for d in _of(prior, "TapeEntryDeleted")]})


def _import(prior, imported: dict, view: HostView) -> Payload:
    result = {"backup_id": imported["backup_id"], "original_id": imported["original_id"],
              "origin_host": imported["origin_host"], "source_host": imported["source_host"],
              "source_backup_id": imported["source_backup_id"],
              "copy_groups": list(imported["copy_groups"]),
              "superseded": [d["backup_id"] for d in _of(prior, "BackupEntryDeleted")]}
    if _of(prior, "SvolMountRequested"):
        mounts, whole = _mounts(prior, view)
        if not whole:
            return _failed("ImportBackup", f"the mount of the imported {imported['backup_id']}",
                           "undid")
        result["mount"] = {"backup_id": imported["backup_id"], "mounts": mounts}
    return CommandCompleted(command="ImportBackup", result=result)


Settler = Callable[[Sequence, dict, HostView], Payload]
SETTLERS: tuple[tuple[str, Settler], ...] = (
    *SQL_SETTLERS,  # before RestoreRequested: a SQL restore records one too (issue 13)
    ("BackupImported", _import),  # before the mount: -auto_mount mounts within the import
    ("SqlBackupRequested", _sql_backup),  # issue 13: before its BackupRequested
    ("BackupRequested", _backup),
    ("RestoreRequested", _restore),
    ("MediaCopyRequested", _media_copy),
    ("SvolMountRequested", _mount),
)
