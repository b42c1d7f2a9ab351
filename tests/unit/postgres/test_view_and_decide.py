"""The PostgreSQL part of the host view and the pure decisions (issue 14): generation marks
(application-, cold-, crash-consistent, unusable), WAL per timeline and its release, the
cluster's coverage by protected volumes, the restore's refusal of a broken chain."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from events import filesystem as fs
from events import postgres as pg
from events.pg_commands import ListPgCatalog
from projections.pg_view import APPLICATION, COLD, CRASH, NONE, UNUSABLE
from services.agent.errors import CommandRejection
from services.agent.postgres import decide
from services.agent.postgres.logs import released
from services.agent.postgres.queries import catalog, consistency
from tests.unit.agent_fs.views import view_of
from tests.unit.postgres.streams import (CLUSTER, DATA, WALV, archived, backup, configured,
                                         history, pg_maps, segment)

SET_UP = (pg_maps(), configured())


def state(view, copy_group="VG01,VOL01"):
    return consistency(view, copy_group)[0]


class TestGenerationMarks:
    def test_an_online_backup_leaves_its_generation_application_consistent(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1"))
        assert state(view) == APPLICATION and state(view, "WG01,WAL01") == APPLICATION
        assert consistency(view, "VG01,VOL01")[1] == "0000000001"
        assert view.postgres.backups["0000000001"].stop_wal == segment(3)

    def test_a_cold_backup_is_cold_consistent(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1", mode="COLD"))
        assert state(view) == COLD

    def test_a_raw_pairsplit_after_a_resync_is_crash_consistent(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1"),
                       fs.BackupEntryDeleted(backup_id="0000000001", reason="resync",
                                             copy_groups=("VG01,VOL01", "WG01,WAL01")),
                       fs.PairResynced(workflow_id="cci-1", copy_group="VG01,VOL01",
                                       direction="forward", status="PAIR"),
                       fs.PairSplit(workflow_id="cci-2", copy_group="VG01,VOL01",
                                    pvol_status="PSUS", svol_status="SSUS"))
        assert state(view) == CRASH
        assert state(view, "WG01,WAL01") == UNUSABLE  # its entry is gone with its label

    def test_a_generation_being_copied_holds_no_copy(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1"),
                       fs.PairResynced(workflow_id="cci-1", copy_group="VG01,VOL01",
                                       direction="forward", status="PAIR"))
        assert state(view) == NONE

    def test_a_backup_killed_between_start_and_stop_leaves_no_entry_and_an_unusable_generation(
            self):
        view = view_of(*SET_UP, *backup("0000000001", "w1", recorded=False),
                       fs.BackupAborted(workflow_id="w1", backup_id="0000000001",
                                        reason="agent restarted during freeze"))
        assert "0000000001" not in view.catalog and "0000000001" not in view.postgres.backups
        assert state(view) == UNUSABLE and "not recorded" in consistency(view, "VG01,VOL01")[2]

    def test_the_next_backup_of_that_generation_makes_it_usable_again(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1", recorded=False),
                       fs.BackupAborted(workflow_id="w1", backup_id="0000000001", reason="x"),
                       *backup("0000000002", "w2"))
        assert state(view) == APPLICATION

    def test_a_split_before_any_postgresql_backup_is_crash_consistent(self):
        view = view_of(*SET_UP, fs.PairSplit(workflow_id="cci", copy_group="VG02,VOL02",
                                             pvol_status="PSUS", svol_status="SSUS"))
        assert state(view, "VG02,VOL02") == CRASH


class TestWal:
    def test_wal_is_kept_per_cluster_with_its_timeline_and_switches(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1"), archived(2), archived(3),
                       history(2, (1, "0/5000000")), archived(5, timeline=2))
        files = view.postgres.wal[CLUSTER]
        assert files[segment(5, 2)].timeline == 2
        assert decide.histories(view, CLUSTER) == {2: ((1, 0x5000000),)}

    def test_wal_only_superseded_backups_needed_is_released(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1", start=2, stop=3),
                       *[archived(n) for n in range(2, 8)],
                       *backup("0000000002", "w2", "local_1", start=6, stop=6))
        assert released(view, CLUSTER) is None  # 0000000001 still lives on local_0
        view = view_of(*SET_UP, *backup("0000000001", "w1", start=2, stop=3),
                       *[archived(n) for n in range(2, 8)],
                       *backup("0000000002", "w2", "local_1", start=6, stop=6),
                       fs.BackupEntryDeleted(backup_id="0000000001", reason="superseded",
                                             by_backup_id="0000000003",
                                             copy_groups=("VG01,VOL01", "WG01,WAL01")),
                       *backup("0000000003", "w3", "local_0", start=7, stop=7))
        event = released(view, CLUSTER)
        assert event.file_names == tuple(segment(n) for n in range(2, 6))
        view = view_of(*SET_UP, event)
        assert view.postgres.wal.get(CLUSTER, {}) == {}


class TestDecide:
    def test_init_refuses_a_cluster_with_a_directory_on_no_protected_volume_naming_it(self):
        view = view_of(pg_maps())
        with pytest.raises(CommandRejection) as refused:
            decide.plan_configure(view, CLUSTER, [(f"{DATA}/data", "data"),
                                                  ("/var/lib/ts9", "tablespace")], "/l", "/m")
        assert "not covered: tablespace /var/lib/ts9" in refused.value.text

    def test_init_maps_each_directory_to_its_volume_and_copy_groups(self):
        event = decide.plan_configure(view_of(pg_maps()), CLUSTER,
                                      [(f"{DATA}/data", "data"), (f"{WALV}/wal", "wal")],
                                      "/l", "/m", 1 << 20)
        assert [(f.kind, f.mount_point) for f in event.files] == [("data", DATA), ("wal", WALV)]
        assert event.files[1].copy_groups == ("WG01,WAL01", "WG02,WAL02")
        assert event.segment_size == 1 << 20

    def test_init_refuses_a_log_backup_directory_on_the_clusters_volumes(self):
        with pytest.raises(CommandRejection, match="restore would overwrite"):
            decide.plan_configure(view_of(pg_maps()), CLUSTER, [(f"{DATA}/data", "data")],
                                  f"{DATA}/logs", "/m")

    def test_a_backup_takes_one_generation_across_every_volume_and_rotates(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1"))
        plan = decide.plan_backup(view, "w2", CLUSTER, "online", None)
        assert plan.volume_plan.request.generation == "local_1"
        assert plan.volume_plan.request.copy_groups == ("VG02,VOL02", "WG02,WAL02")
        assert plan.mode == "ONLINE" and plan.backup_id == "0000000002"

    def test_a_backup_of_an_unknown_cluster_is_refused(self):
        with pytest.raises(CommandRejection, match="drm pg init"):
            decide.plan_backup(view_of(pg_maps()), "w", "other", "online", None)

    def test_a_restore_is_refused_before_anything_when_its_wal_has_a_gap(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1", start=2, stop=4), archived(2),
                       archived(4))
        with pytest.raises(CommandRejection) as refused:
            decide.check_restorable(view, view.postgres.backups["0000000001"])
        assert segment(3) in refused.value.text

    def test_drm_pg_cat_l_shows_the_range_the_gap_and_the_consistency(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1", start=2, stop=3),
                       *[archived(n) for n in (2, 3, 4, 6)])
        context = SimpleNamespace(view=view)
        [entry] = catalog(ListPgCatalog(cluster=CLUSTER, chain=True), context)["entries"]
        assert entry["consistency"] == APPLICATION
        assert entry["chain"]["complete"] and entry["chain"]["gap"] == segment(5)
        assert entry["chain"]["needed_from"] == segment(2)

    def test_recovery_to_latest_along_a_diverged_timeline_is_refused(self):
        view = view_of(*SET_UP, *backup("0000000001", "w1", start=2, stop=3), archived(2),
                       archived(3), history(2, (1, "0/2000010")),
                       pg.PgLabelLaidDown(workflow_id="r", cluster=CLUSTER,
                                          backup_id="0000000001"))
        with pytest.raises(CommandRejection, match="diverged"):
            decide.recovery_target(view, CLUSTER, "latest", "")
        assert decide.recovery_target(view, CLUSTER, "time", "2026-12-05 03:00:00") == \
            "time:2026-12-05 03:00:00"


def test_a_restore_of_the_backup_splits_again_and_keeps_it_application_consistent():
    groups = ("VG01,VOL01", "WG01,WAL01")
    view = view_of(*SET_UP, *backup("0000000001", "w1"),
                   fs.RestoreRequested(workflow_id="r1", backup_id="0000000001",
                                       instances=(DATA, WALV), copy_groups=groups),
                   *[fs.PairSplit(workflow_id="r1", copy_group=g, pvol_status="PSUS",
                                  svol_status="SSUS") for g in groups],
                   fs.RestoreCompleted(workflow_id="r1", backup_id="0000000001"))
    assert state(view) == APPLICATION
