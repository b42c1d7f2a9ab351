"""Recovery at agent start for the backup-server commands (the pattern of
``services.agent.filesystem.recovery``): a killed mount or media copy leaves no lying state.

Runs as the exclusive command ``RecoverBackupServer`` (in the host's slot, after catching up):
- a mount whose intent has no outcome: if the S-VOL is mounted there, ``SvolMounted`` is
  recorded (roll forward); otherwise ``SvolUnmounted`` closes it and the lock the mount took is
  released;
- a media copy without an end: ``MediaCopyAborted`` ("agent restarted"), the partial archives
  are discarded and the complete ones of that copy deleted. A tape backup thus never leaves a
  tape entry (it is recorded only after the last archive); a tape restore leaves the S-VOL
  partly written but its old disk entries were deleted with the request, so no entry lies.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from events import CommandEnvelope, filesystem as fs, tape
from events.outcomes import CommandCompleted
from services.agent.backup_server import decide, steps
from services.agent.devices.handlers import live_partners, record_guards
from services.agent.runner import ref


def needs_recovery(view) -> bool:
    server = view.backup_server
    return bool(server.media_copies or server.mounts_requested)


def recover_backup_server(agent) -> None:
    """Run ``RecoverBackupServer`` on ``agent`` when its view shows unfinished work."""
    if agent.ports.storage is None or not needs_recovery(agent.catch_up()):
        return
    agent.handle(CommandEnvelope(command=tape.RecoverBackupServer(), target_host=agent.host,
                                 principal=f"recovery@{agent.host}",
                                 issued_at=datetime.now(timezone.utc)))


def recover(command, context) -> list:
    server = context.view.backup_server
    mounts = [_settle_mount(context, name, point)
              for name, point in sorted(server.mounts_requested.items())]
    copies = [_abort_copy(context, copy) for copy in list(server.media_copies.values())]
    return [CommandCompleted(command=command.name,
                             result={"mounts": mounts, "media_copies": copies})]


def _settle_mount(context, name: str, point: str) -> dict:
    storage = context.ports.storage
    group = decide.svol_groups(context.view).get(name)
    state = context.view.copy_groups.get(name)
    # the map's S-VOL, or (drmmount -force) the one the array pairs with the P-VOL now
    expected = {group[0].svol, live_partners(context).get(name)} if group is not None else set()
    mounted = str(storage.mounted_volume(Path(point))) in expected
    if mounted:
        event = tape.SvolMounted(workflow_id="recovery", copy_group=name, mount_point=point,
                                 backup_id=state.lock_backup_id if state else "",
                                 read_only=storage.mount_mode(Path(point)) == "ro")
        context.record([event])
        record_guards(context, [event])  # how the rolled-forward read-only mount is guarded
        return {"copy_group": name, "ended": "mounted"}
    events: list = [tape.SvolUnmounted(workflow_id="recovery", copy_group=name, mount_point=point)]
    if state is not None and state.locked_by == "mount":
        events.append(fs.CopyGroupUnlocked(copy_group=name, by="mount"))
    context.record(events)
    return {"copy_group": name, "ended": "unmounted"}


def _abort_copy(context, copy) -> dict:
    lib = steps.library(context)
    lib.discard_partial()
    for index, _ in enumerate(copy.copy_groups):
        for medium in lib.media():
            if copy.kind == "backup":
                lib.delete(medium, f"{copy.backup_id}.{index}")
    context.record([tape.MediaCopyAborted(workflow_id=copy.workflow_id,
                                          backup_id=copy.backup_id,
                                          reason=f"agent restarted during the tape {copy.kind}")])
    return {"backup_id": copy.backup_id, "kind": copy.kind, "ended": "aborted"}
