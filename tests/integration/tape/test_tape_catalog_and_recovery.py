"""Tape catalog filters, deletion and expiry through BKServer's agent; recovery of a killed
mount or media copy leaves no lying state."""
from __future__ import annotations

import tarfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from events import REGISTRY, EventContext, tape
from services.agent.bootstrap import build_agent
from tests.fs_lab import FS_MOUNT, command, settings_for
from tests.integration.tape.test_tape_workflows import VG1, bk, refused, result
from tests.tape_lab import BK_HOST, bk_mount, hand_over


def taped(fs_agent, bk_agent) -> str:
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    bk_id = hand_over(fs_agent, bk_agent, "0000000001")
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    tape_id = result(bk_agent.handle(bk("BackupToTape", backup_id=bk_id)))["backup_id"]
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    return tape_id


def listed(bk_agent, **selection) -> list[str]:
    args = {"hostname": None, "backup_id": None, "object_type": None, "instance": None,
            **selection}
    answer = bk_agent.handle(bk("ListTapeCatalog", **args))
    return [e["backup_id"] for e in answer.result["entries"]]


def test_tapecat_filters_and_delete(fs_agent, bk_agent, data_dir):
    tape_id = taped(fs_agent, bk_agent)
    assert listed(bk_agent) == [tape_id]
    assert listed(bk_agent, hostname="FSServer", instance=FS_MOUNT) == [tape_id]
    assert listed(bk_agent, hostname="DBServer") == []
    assert listed(bk_agent, object_type="MSSQL") == []
    archive = data_dir / "tape" / "LIB01" / "TP0002" / f"{tape_id}.0.tar"
    assert tarfile.is_tarfile(archive)
    result(bk_agent.handle(bk("DeleteTapeEntries", backup_id=tape_id)))
    assert listed(bk_agent) == [] and not archive.exists()
    refused(bk_agent.handle(bk("MountSvol", backup_id=tape_id)), "does not exist")


def test_an_expired_tape_entry_cannot_be_restored_and_drmmount_purges_it(fs_agent, bk_agent):
    result(bk_agent.handle(bk("RegisterTapeSettings", product="NBU", retention_days=10)))
    tape_id = taped(fs_agent, bk_agent)
    assert (bk_agent.view.tape[tape_id].expires_at
            - bk_agent.view.tape[tape_id].recorded_at) == timedelta(days=10)
    later = datetime.now(timezone.utc) + timedelta(days=11)
    bk_agent.ports = replace(bk_agent.ports, clock=lambda: later)
    assert listed(bk_agent) == []
    refused(bk_agent.handle(bk("RestoreFromTape", backup_id=tape_id)), "expired")
    refused(bk_agent.handle(bk("MountSvol", backup_id=tape_id)), "expired")
    result(bk_agent.handle(bk("MountSvol", backup_id="0000000001")))
    assert tape_id not in bk_agent.view.tape  # purged by drmmount


def record(agent, *payloads) -> None:
    context = EventContext(principal="tester@lab", occurred_at=datetime.now(timezone.utc))
    agent.store.append(agent.host, [REGISTRY.draft(p) for p in payloads], agent.view.seq,
                       context)
    agent.catch_up()


def test_a_killed_media_copy_and_mount_are_ended_at_the_next_start(fs_agent, bk_agent,
                                                                    data_dir):
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    bk_id = hand_over(fs_agent, bk_agent, "0000000001")
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    # the agent dies after the request and part of the archive
    record(bk_agent, tape.MediaCopyRequested(workflow_id="dead", kind="backup",
                                             source_backup_id=bk_id, backup_id="0000000002",
                                             copy_groups=(VG1,)))
    partial = data_dir / "tape" / "LIB01" / "TP0002" / ".0000000002.0.tar.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half a medium")
    refused(bk_agent.handle(bk("BackupToTape", backup_id=bk_id)), "DRM-10035")
    # and a second mount whose outcome was never recorded (nothing got mounted)
    record(bk_agent, tape.SvolMountRequested(workflow_id="dead2", copy_group="VG02,VOL02",
                                             mount_point=str(bk_mount(data_dir, 2))))
    restarted = build_agent(settings_for(data_dir), BK_HOST)
    view = restarted.view
    assert view.backup_server.media_copies == {} and view.backup_server.mounts_requested == {}
    assert view.tape == {} and not partial.exists()
    assert view.copy_groups[VG1].mounted_at == str(bk_mount(data_dir))  # the real mount stays
    assert view.copy_groups["VG02,VOL02"].mounted_at == ""
    types = [e.type for e in restarted.store.read(BK_HOST, after_seq=bk_agent.view.seq)]
    assert "MediaCopyAborted" in types and "SvolUnmounted" in types
    again = result(restarted.handle(bk("BackupToTape", backup_id=bk_id)))
    assert again["backup_id"] == "0000000003"  # IDs are never reused


def test_replaying_the_stream_rebuilds_the_same_tape_catalog_and_mounts(fs_agent, bk_agent):
    from projections.host_fold import fold

    tape_id = taped(fs_agent, bk_agent)
    result(bk_agent.handle(bk("MountSvol", backup_id=tape_id)))
    replayed = fold(BK_HOST, bk_agent.store.read(BK_HOST))
    live = bk_agent.view
    assert replayed.tape == live.tape and replayed.catalog == live.catalog
    assert replayed.copy_groups == live.copy_groups
    assert replayed.next_backup_id == live.next_backup_id == "0000000003"
