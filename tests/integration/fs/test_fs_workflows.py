"""Backup, restore, resync, locks and faults through the agent, on the simulated array."""
from __future__ import annotations

import shutil

from adapters.storage.fault import FaultInjector
from projections.host_fold import fold
from tests.fs_lab import FS_MOUNT, command, fs_root, tree

VG1, VG2, VG3, TC = "VG01,VOL01", "VG02,VOL02", "VG03,VOL03", "TC01,VOL01"


def backup(agent, **args):
    return agent.handle(command("BackupFileSystem", targets=[FS_MOUNT], **args))


def result(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def types_of(agent, after: int = 0) -> list[str]:
    return [e.type for e in agent.store.read(agent.host, after_seq=after)]


def test_backups_rotate_through_generations_skipping_a_locked_one(agent, data_dir):
    root = fs_root(data_dir)
    assert result(backup(agent))["generation"] == "local_0"
    (root / "docs" / "readme.txt").write_text("changed\n")
    assert result(backup(agent))["generation"] == "local_1"
    result(agent.handle(command("SetCopyGroupLock", backup_id="0000000001", mode="lock")))
    assert [result(backup(agent))["generation"] for _ in range(3)] == \
        ["local_2", "local_1", "local_2"]
    assert sorted(agent.view.catalog) == ["0000000001", "0000000004", "0000000005"]


def test_every_generation_locked_rejects_the_backup_and_changes_nothing(agent):
    for name in (VG1, VG2, VG3):
        result(agent.handle(command("SetCopyGroupLock", copy_group=name, mode="lock")))
    seq = agent.view.seq
    outcome = backup(agent)
    assert outcome.type == "CommandRejected" and outcome.payload["message_id"] == "KAVX0006-E"
    assert outcome.seq == seq + 1 and agent.view.catalog == {}


def test_restore_gives_back_exactly_the_files_of_the_first_backup(agent, data_dir):
    root = fs_root(data_dir)
    result(backup(agent))
    first = tree(root)
    (root / "docs" / "readme.txt").write_text("changed after the first backup\n")
    (root / "docs" / "orders.csv").unlink()
    (root / "new").mkdir()
    (root / "new" / "file.txt").write_text("new\n")
    for generation in ("local_1", "local_2", "remote_0"):
        result(backup(agent, generation=generation))
    shutil.rmtree(root / "data")
    outcome = result(agent.handle(command("RestoreFileSystem", backup_id="0000000001")))
    assert outcome["copy_groups"] == [VG1]
    assert tree(root) == first
    assert agent.view.copy_groups[VG1].status == "PSUS" and "0000000001" in agent.view.catalog
    assert types_of(agent)[-1] == "CommandCompleted"


def test_restore_is_refused_while_a_related_copy_group_is_in_pair(agent):
    result(backup(agent))
    outcome = agent.handle(command("RestoreFileSystem", backup_id="0000000001"))
    assert outcome.type == "CommandRejected" and "is PAIR" in outcome.payload["text"]


def test_restore_of_an_unknown_backup(agent):
    outcome = agent.handle(command("RestoreFileSystem", backup_id="0000000042"))
    assert outcome.payload["message_id"] == "KAVX0024-E"


def test_cold_backup_unmounts_splits_and_remounts(agent, data_dir):
    seq = agent.view.seq
    assert result(backup(agent, mode="cold"))["mode"] == "COLD"
    steps = [t for t in types_of(agent, seq) if t.startswith(("Volume", "PairSplit"))]
    assert steps == ["VolumeUnmountRequested", "VolumeUnmounted", "PairSplitRequested",
                     "PairSplit", "VolumeMountRequested", "VolumeMounted"]
    assert fs_root(data_dir).is_symlink() and (fs_root(data_dir) / "docs").is_dir()


def test_a_new_entry_supersedes_the_earlier_one_before_any_pair_operation(agent):
    for _ in range(3):
        result(backup(agent))
    seq = agent.view.seq
    assert result(backup(agent))["superseded"] == ["0000000001"]
    kinds = types_of(agent, seq)
    assert kinds.index("BackupEntryDeleted") < kinds.index("PairResyncRequested")
    assert sorted(agent.view.catalog) == ["0000000002", "0000000003", "0000000004"]


def test_resync_returns_the_pair_and_deletes_the_entry(agent):
    result(backup(agent))
    done = result(agent.handle(command("ResyncCopyGroups", backup_id="0000000001")))
    assert done == {"copy_groups": [VG1], "deleted": ["0000000001"]}
    assert agent.view.catalog == {} and agent.view.copy_groups[VG1].status == "PAIR"
    assert agent.ports.storage.pairdisplay(
        __import__("adapters.storage.base", fromlist=["VolumeRef"]).VolumeRef(
            serial="410001", ldev=256), "0").status.value == "PAIR"


def test_delete_entry(agent):
    result(backup(agent))
    assert result(agent.handle(command("DeleteCatalogEntry", backup_id="0000000001")))[
        "backup_id"] == "0000000001"
    assert agent.view.catalog == {}


def test_a_pair_fault_aborts_the_backup_remounts_and_keeps_the_catalog(agent, data_dir):
    result(backup(agent))
    before = dict(agent.view.catalog)
    FaultInjector(data_dir / "arrays").fail_next("410001-256-SI-1")
    outcome = backup(agent, mode="cold")
    assert outcome.type == "CommandFailed" and outcome.payload["message_id"] == "KAVX0006-E"
    kinds = types_of(agent)
    assert "PairStepFailed" in kinds and kinds[-2] == "BackupAborted"
    assert agent.view.catalog.keys() == before.keys()
    assert fs_root(data_dir).is_symlink()
    assert not agent.view.unfinished_workflows()
    assert result(backup(agent))["generation"] == "local_1"  # PSUE is resynced, then split


def test_queries_answer_from_the_view(agent, data_dir):
    result(backup(agent, comment="first"))
    entries = agent.handle(command("ListFileSystemCatalog", targets=[FS_MOUNT])).result["entries"]
    assert [e["backup_id"] for e in entries] == ["0000000001"]
    assert entries[0]["rows"][0]["copy_group"] == VG1
    assert agent.handle(command("ListFileSystemCatalog", targets=[FS_MOUNT],
                                comment="other")).result["entries"] == []
    assert len(agent.handle(command("ListCatalog")).result["entries"]) == 1
    maps = agent.handle(command("DisplayDictionaryMaps", target=FS_MOUNT)).result
    assert len(maps["volumes"][0]["copy_groups"]) == 4
    groups = agent.handle(command("ListCopyGroups")).result["copy_groups"]
    assert {g["copy_group"]: g["backup_id"] for g in groups}[VG1] == "0000000001"


def test_refresh_records_the_maps(agent):
    assert result(agent.handle(command("RefreshDictionaryMaps")))["copy_groups"] == 4
    assert types_of(agent)[-2] == "DictionaryMapRefreshed"


def test_a_host_outside_the_lab_is_rejected_but_host_info_works(data_dir):
    from services.agent.bootstrap import build_agent
    from tests.fs_lab import settings_for
    other = build_agent(settings_for(data_dir), "Elsewhere")
    outcome = other.handle(command("BackupFileSystem", host="Elsewhere", targets=["/x"]))
    assert outcome.type == "CommandRejected" and "not in the lab" in outcome.payload["text"]
    assert other.handle(command("HostInfo", host="Elsewhere")).type == "CommandCompleted"


def test_replaying_the_stream_gives_the_live_view(agent, data_dir):
    result(backup(agent))
    result(agent.handle(command("SetCopyGroupLock", copy_group=VG1, mode="lock")))
    result(backup(agent, mode="cold"))
    FaultInjector(data_dir / "arrays").fail_next("410001-256-SI-2")
    backup(agent)
    assert fold(agent.host, agent.store.read(agent.host)) == agent.view


def test_each_resync_event_says_how_the_copy_compared_the_volumes(agent, data_dir):
    result(backup(agent))
    (fs_root(data_dir) / "docs" / "readme.txt").write_text("changed after the backup\n")
    result(agent.handle(command("ResyncCopyGroups", backup_id="0000000001")))
    resynced = [e.payload for e in agent.store.read(agent.host) if e.type == "PairResynced"]
    assert resynced[-1]["comparison"] == "journal", resynced[-1]  # the agent watched the period
    for payload in resynced:
        assert payload["comparison"] == "journal" or payload["full_reason"], payload
