"""Generated host histories (hypothesis) that reach every area of the host fold.

``histories()`` draws a list of payloads: commands over a small universe of copy groups,
mount points and backup IDs (so entries supersede each other, locks meet mounts, restores
meet deleted entries), each command's steps cut short at random (a crash), tape copies,
imports, exports, outcomes and snapshot events. ``sealed(host, payloads)`` seals them into a
real hash chain (``tests.builders`` contexts), ready to fold or to append to a store.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from events import REGISTRY, EventEnvelope
from events import filesystem as fs
from events import snapshots, tape, transfer
from events.canonical import GENESIS_HASH
from events.envelope import seal_with_payload_json
from events.maps import CopyGroupMap, DictionaryMapRefreshed, VolumeMap
from events.outcomes import CommandCompleted, CommandFailed, CommandRejected
from tests.builders import a_context

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
MOUNTS = ("/lab/fs1", "/lab/fs2")
GROUPS = ("VG01,dev00", "VG01,dev01", "VG02,dev00", "VG02,dev01")
WORKFLOWS = tuple(f"w{n}" for n in range(6))
backup_ids = st.integers(1, 12).map(lambda n: f"{n:010d}")
groups = st.sampled_from(GROUPS)
mounts = st.sampled_from(MOUNTS)
workflows = st.sampled_from(WORKFLOWS)
times = st.integers(0, 10_000).map(lambda minutes: T0 + timedelta(minutes=minutes))


def _volume(mount: str, generations: int) -> VolumeMap:
    index = MOUNTS.index(mount)
    return VolumeMap(mount_point=mount, device=f"100:{index:04x}", copy_groups=tuple(
        CopyGroupMap(copy_group=GROUPS[2 * index + g], copy_type="SI", copy_func="ShadowImage",
                     mu=str(g), generation=f"local_{g}", role="P-VOL", pvol=f"100:{index:04x}",
                     svol=f"100:{0x100 + 2 * index + g:04x}") for g in range(generations)))


def _row(mount: str, group: str) -> fs.ObjectRow:
    return fs.ObjectRow(file=mount, file_system=mount, device="100:0000", copy_group=group)


@st.composite
def _backup(draw) -> list:
    flow, backup_id, group, mount = draw(workflows), draw(backup_ids), draw(groups), draw(mounts)
    started, ended = draw(times), draw(times)
    steps = [fs.BackupRequested(workflow_id=flow, backup_id=backup_id, mode="ONLINE",
                                instances=(mount,), generation="local_0", copy_groups=(group,),
                                comment=draw(st.sampled_from(["", "nightly"]))),
             fs.BackupEntryDeleted(backup_id=draw(backup_ids), reason="superseded",
                                   by_backup_id=backup_id, copy_groups=(group,)),
             fs.PairResyncRequested(workflow_id=flow, copy_group=group),
             fs.PairResynced(workflow_id=flow, copy_group=group, direction="forward",
                             status="PAIR", bytes_copied=draw(st.integers(0, 1 << 40))),
             fs.PairSplitRequested(workflow_id=flow, copy_group=group)]
    if draw(st.booleans()):
        steps += [fs.PairSplit(workflow_id=flow, copy_group=group, pvol_status="PSUS",
                               svol_status="SSUS"),
                  fs.BackupRecorded(backup_id=backup_id, original_id=backup_id,
                                    origin_host="FS1", mode="ONLINE", instances=(mount,),
                                    rows=(_row(mount, group),), generation="local_0",
                                    copy_groups=(group,), started_at=started, ended_at=ended,
                                    workflow_id=flow)]
    else:
        steps += [fs.PairStepFailed(workflow_id=flow, copy_group=group, operation="split",
                                    error="x", status="PSUE"),
                  fs.BackupAborted(workflow_id=flow, backup_id=backup_id, reason="x")]
    return steps


@st.composite
def _restore(draw) -> list:
    flow, backup_id, group, mount = draw(workflows), draw(backup_ids), draw(groups), draw(mounts)
    return [fs.RestoreRequested(workflow_id=flow, backup_id=backup_id, instances=(mount,),
                                copy_groups=(group,)),
            fs.VolumeUnmountRequested(workflow_id=flow, mount_point=mount),
            fs.VolumeUnmounted(workflow_id=flow, mount_point=mount),
            fs.PairResyncRequested(workflow_id=flow, copy_group=group, direction="reverse"),
            fs.PairResynced(workflow_id=flow, copy_group=group, direction="reverse",
                            status="PAIR"),
            fs.VolumeMountRequested(workflow_id=flow, mount_point=mount),
            fs.VolumeMounted(workflow_id=flow, mount_point=mount),
            draw(st.sampled_from([
                fs.RestoreCompleted(workflow_id=flow, backup_id=backup_id),
                fs.RestoreAborted(workflow_id=flow, backup_id=backup_id, reason="x")]))]


@st.composite
def _tape(draw) -> list:
    flow, backup_id, source, group = (draw(workflows), draw(backup_ids), draw(backup_ids),
                                      draw(groups))
    mount, at = draw(mounts), draw(times)
    expires = draw(st.one_of(st.none(), times))
    return [tape.TapeSettingsRegistered(product="NBU", retention_days=draw(st.integers(0, 99))),
            tape.SvolMountRequested(workflow_id=flow, copy_group=group, mount_point="/bk/m"),
            tape.SvolMounted(workflow_id=flow, copy_group=group, mount_point="/bk/m"),
            tape.MediaCopyRequested(workflow_id=flow, kind=draw(st.sampled_from(
                ["backup", "restore"])), source_backup_id=source, backup_id=backup_id,
                copy_groups=(group,)),
            draw(st.sampled_from([
                tape.MediaCopyAborted(workflow_id=flow, backup_id=backup_id, reason="x"),
                tape.TapeBackupRecorded(
                    backup_id=backup_id, original_id=source, origin_host="FS1",
                    source_backup_id=source, mode="ONLINE", instances=(mount,),
                    rows=(_row(mount, group),), generation="local_0", copy_groups=(group,),
                    snapshot_at=at, recorded_at=at, expires_at=expires, workflow_id=flow,
                    archives=(tape.TapeArchive(copy_group=group, medium="M1", label="L"),))])),
            tape.SvolUnmounted(workflow_id=flow, copy_group=group, mount_point="/bk/m"),
            tape.TapeEntryDeleted(backup_id=draw(backup_ids), reason="expired")]


@st.composite
def _transfer(draw) -> list:
    flow, backup_id, group, mount = draw(workflows), draw(backup_ids), draw(groups), draw(mounts)
    command_id = draw(st.sampled_from(["c-1", "c-2"]))
    return [transfer.BackupExported(backup_id=backup_id, document_sha256="0" * 64,
                                    source_event_seq=1, source_event_hash="0" * 64,
                                    file_format_version=1),
            transfer.ImportRequested(workflow_id=flow, backup_id=backup_id, target_host="BK1",
                                     command_id=command_id, document_sha256="0" * 64,
                                     document={"k": [1, "v"]}),
            transfer.ImportSent(workflow_id=flow, command_id=command_id, target_host="BK1",
                                consumer_present=True),
            transfer.BackupImported(backup_id=backup_id, original_id="0000000001",
                                    origin_host="FS2", mode="COLD", instances=(mount,),
                                    rows=(_row(mount, group),), generation="local_1",
                                    copy_groups=(group,), started_at=T0, ended_at=T0,
                                    source_host="FS2", source_backup_id="0000000001",
                                    source_event_seq=3, source_event_hash="0" * 64,
                                    document_sha256="0" * 64)]


@st.composite
def _single(draw) -> list:
    group = draw(groups)
    return [draw(st.sampled_from([
        DictionaryMapRefreshed(volumes=tuple(_volume(m, draw(st.integers(1, 2)))
                                             for m in draw(st.sets(mounts)))),
        fs.CopyGroupLocked(copy_group=group, by="drmcgctl"),
        fs.CopyGroupLocked(copy_group=group, by="mount", backup_id=draw(backup_ids)),
        fs.CopyGroupUnlocked(copy_group=group, by="drmcgctl"),
        CommandCompleted(command="HostInfo", result={"n": 1}),
        CommandFailed(command="BackupFileSystem", message_id="KAVX0006-E", text="failed"),
        CommandRejected(command="BackupFileSystem", message_id="KAVX0002-E", text="busy"),
        snapshots.HostViewSnapshotted(covers_seq=1, head_hash="0" * 64, content_sha256="0" * 64,
                                      size_bytes=1, format="drm-host-view", format_version=1,
                                      fold="0" * 16)]))]


@st.composite
def _command(draw) -> list:
    steps = draw(st.one_of(_backup(), _restore(), _tape(), _transfer(), _single()))
    if draw(st.integers(0, 4)) == 0:  # a crash: the command's steps cut short
        steps = steps[:draw(st.integers(1, len(steps)))]
    return steps


def histories(max_commands: int = 40) -> st.SearchStrategy[list]:
    """Payload lists of one host's history (at least one event)."""
    return st.lists(_command(), min_size=1, max_size=max_commands).map(
        lambda commands: [payload for command in commands for payload in command])


def sealed(host: str, payloads: list) -> list[EventEnvelope]:
    """``payloads`` sealed as one host's chain, as a store would (one context per event)."""
    found, head = [], GENESIS_HASH
    for payload in payloads:
        (envelope, _), = seal_with_payload_json(host, len(found), head,
                                                [REGISTRY.draft(payload)], a_context())
        found.append(envelope)
        head = envelope.hash
    return found
