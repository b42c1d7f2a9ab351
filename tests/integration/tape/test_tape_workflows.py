"""drmmount/drmumount, tape backup and tape restore through BKServer's agent, on real files."""
from __future__ import annotations

from datetime import datetime

from adapters.lab.provision import open_storage, volume
from tests.fs_lab import FS_MOUNT, command, fs_root, tree
from tests.tape_lab import BK_HOST, bk_mount, hand_over

VG1 = "VG01,VOL01"


def bk(name: str, **args):
    return command(name, host=BK_HOST, **args)


def result(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def refused(outcome, detail: str = "") -> str:
    assert outcome.type in ("CommandRejected", "CommandFailed"), outcome.payload
    assert detail in outcome.payload["text"], outcome.payload["text"]
    return outcome.payload["text"]


def first_backup(fs_agent, bk_agent) -> str:
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    return hand_over(fs_agent, bk_agent, "0000000001")


def test_mount_by_backup_id_locks_and_unmount_unlocks(fs_agent, bk_agent, data_dir):
    bk_id = first_backup(fs_agent, bk_agent)
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    point = bk_mount(data_dir)
    assert mounted["mounts"] == [{"copy_group": VG1, "mount_point": str(point), "read_only": True}]
    state = bk_agent.view.copy_groups[VG1]
    assert (state.locked_by, state.lock_backup_id, state.mounted_at) == ("mount", bk_id, str(point))
    assert tree(point) == tree(fs_root(data_dir))
    assert "already mounted" in refused(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    assert "drmumount" in refused(bk_agent.handle(bk("UnmountSvol", copy_group=VG1)))
    assert "locked (mount)" in refused(bk_agent.handle(bk("ResyncCopyGroups", copy_group=VG1)))
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    state = bk_agent.view.copy_groups[VG1]
    assert (state.locked_by, state.mounted_at) == ("", "") and not point.is_symlink()


def test_mount_of_a_copy_group_in_pair_is_refused_and_changes_nothing(bk_agent, data_dir):
    seq = bk_agent.view.seq
    refused(bk_agent.handle(bk("MountSvol", copy_group=VG1)), "PAIR")
    assert not bk_mount(data_dir).is_symlink()
    assert bk_agent.view.copy_groups[VG1].mounted_at == ""
    assert [e.type for e in bk_agent.store.read(BK_HOST, after_seq=seq)
            if e.type.startswith("Svol")] == []


def test_mount_by_copy_group_at_a_given_point_without_lock(fs_agent, bk_agent, data_dir):
    first_backup(fs_agent, bk_agent)
    result(bk_agent.handle(bk("MountSvol", copy_group=VG1, mount_point="elsewhere/W")))
    state = bk_agent.view.copy_groups[VG1]
    assert state.mounted_at == str(data_dir / "elsewhere" / "W") and not state.locked
    refused(bk_agent.handle(bk("ResyncCopyGroups", copy_group=VG1)), "is mounted at")  # rule 8
    result(bk_agent.handle(bk("UnmountSvol", copy_group=VG1)))
    assert "not mounted" in refused(bk_agent.handle(bk("UnmountSvol", copy_group=VG1)))


def test_tape_backup_then_change_then_tape_restore_gives_back_the_bytes(fs_agent, bk_agent,
                                                                        data_dir):
    root = fs_root(data_dir)
    original = tree(root)
    bk_id = first_backup(fs_agent, bk_agent)
    refused(bk_agent.handle(bk("BackupToTape", backup_id=bk_id)), "not mounted")
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    taped = result(bk_agent.handle(bk("BackupToTape", backup_id=bk_id)))
    assert taped["backup_id"] == "0000000002" and taped["original_id"] == "0000000001"
    entry = bk_agent.view.tape["0000000002"]
    assert entry.snapshot_at == bk_agent.view.catalog[bk_id].started_at
    assert len(entry.archives[0].manifest_hash) == 64  # checked again by the restore
    assert entry.origin_host == "FSServer" and entry.media == ("TP0002",)
    assert (entry.expires_at - entry.recorded_at).days == 30  # the lab's retention
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    # the S-VOL changes: new data on the P-VOL, resync, split again
    (root / "docs" / "readme.txt").write_text("changed after the tape backup\n")
    (root / "data" / "blob.bin").unlink()
    result(fs_agent.handle(command("ResyncCopyGroups", copy_group=VG1)))
    refused(bk_agent.handle(bk("MountSvol", backup_id="0000000002")), "PAIR")
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT], generation="local_0")))
    assert tree(bk_mount(data_dir).parent.parent.parent.parent / "arrays" / "410001" / "ldev"
                / "257") != original
    refused(bk_agent.handle(bk("RestoreFromTape", backup_id="0000000002")), "drmmount")
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id="0000000002")))
    assert mounted["mounts"][0]["read_only"] is False  # a tape entry's S-VOL: writable
    source = bk_agent.view.catalog[bk_id]
    restored = result(bk_agent.handle(bk("RestoreFromTape", backup_id="0000000002")))
    assert restored["backup_id"] == "0000000003" and restored["superseded"] == [bk_id]
    assert tree(bk_mount(data_dir)) == original
    disk = bk_agent.view.catalog["0000000003"]
    assert (disk.original_id, disk.origin_host, disk.media) == ("0000000001", "FSServer", "DISK")
    # START-TIME and END-TIME are the original backup's; the restore's own are in its events
    assert (disk.started_at, disk.ended_at) == (source.started_at, source.ended_at)
    reads = [e.payload for e in bk_agent.store.read(BK_HOST) if e.type == "TapeArchiveRead"]
    assert [(r["label"], r["files"] > 0) for r in reads] == [("0000000002.0", True)]
    assert datetime.fromisoformat(reads[0]["started_at"]) > source.ended_at
    assert bk_id not in bk_agent.view.catalog
    result(bk_agent.handle(bk("UnmountSvol", backup_id="0000000002")))
    # back on the file server: the S-VOL now holds the tape's data; restore it to the P-VOL
    for generation in ("local_1", "local_2", "remote_0"):  # related pairs split (PSUS)
        result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT],
                                       generation=generation)))
    result(fs_agent.handle(command("RestoreFileSystem", backup_id="0000000002")))
    assert tree(root) == original


def test_drmmediarestore_refuses_a_truncated_or_altered_medium(fs_agent, bk_agent, data_dir):
    """The agent's answer names what is wrong (DRM-10042); a truncated medium leaves the S-VOL
    as it was; no disk entry is recorded for a refused restore."""
    bk_id = first_backup(fs_agent, bk_agent)
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    tape_id = result(bk_agent.handle(bk("BackupToTape", backup_id=bk_id)))["backup_id"]
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    archive = bk_agent.view.tape[tape_id].archives[0]
    medium = bk_agent.ports.tape.archive_path(archive.medium, archive.label)
    whole = medium.read_bytes()
    result(bk_agent.handle(bk("MountSvol", backup_id=tape_id)))
    before = tree(bk_mount(data_dir))
    medium.write_bytes(whole[:len(whole) // 2])
    text = refused(bk_agent.handle(bk("RestoreFromTape", backup_id=tape_id)), "DRM-10042")
    assert "truncated" in text and tree(bk_mount(data_dir)) == before
    biggest = max((p for p in bk_mount(data_dir).rglob("*") if p.is_file()),
                  key=lambda p: p.stat().st_size)
    data = bytearray(whole)
    data[data.index(biggest.read_bytes()[:512]) + 100] ^= 0x01  # one bit of one file's data
    medium.write_bytes(bytes(data))
    text = refused(bk_agent.handle(bk("RestoreFromTape", backup_id=tape_id)), "DRM-10042")
    assert f"{biggest.name}' differs from the manifest (hash mismatch)" in text
    assert all(e.media == "DISK" and e.backup_id != "0000000004"
               for e in bk_agent.view.catalog.values())


def test_a_tape_entry_of_a_dissolved_pair_mounts_writable_and_restores(fs_agent, bk_agent,
                                                                        data_dir):
    """Spec 04 §15.3: after ``pairsplit -S`` (SMPL) the S-VOL is a plain volume: the tape
    restore's mount needs no ``pairsplit -rw`` (which CCI refuses on a SMPL volume)."""
    original = tree(fs_root(data_dir))
    bk_id = first_backup(fs_agent, bk_agent)
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    result(bk_agent.handle(bk("BackupToTape", backup_id=bk_id)))
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    open_storage(data_dir).pairsplit(volume("410001", 256), "0", simplex=True)  # pairsplit -S
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id="0000000002")))
    assert mounted["mounts"][0]["read_only"] is False
    (bk_mount(data_dir) / "docs" / "readme.txt").write_text("damaged at the remote site\n")
    result(bk_agent.handle(bk("RestoreFromTape", backup_id="0000000002")))
    assert tree(bk_mount(data_dir)) == original
    result(bk_agent.handle(bk("UnmountSvol", backup_id="0000000002")))
