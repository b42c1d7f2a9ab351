"""The CCI pair commands through the agents of two hosts, on the simulated arrays: intents and
outcomes on the issuing host's stream, the array as the truth, changes made by another host
noticed and recorded, CCI errors that change nothing."""
from __future__ import annotations

from adapters.storage.base import VolumeRef
from tests.fs_lab import command, fs_root, tree

TC, VG1 = "TC01,VOL01", "VG01,VOL01"
PVOL, TC_SVOL = VolumeRef(serial="410001", ldev=256), VolumeRef(serial="410002", ldev=512)


def done(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def refused(outcome, code: str) -> str:
    assert outcome.type == "CommandRejected", outcome.payload
    assert f"[{code}]" in outcome.payload["text"], outcome.payload["text"]
    return outcome.payload["text"]


def new_types(agent, seq: int) -> list[str]:
    return [e.type for e in agent.store.read(agent.host, after_seq=seq)]


def live(agent, volume=PVOL, mu=""):
    record = agent.ports.storage.pairdisplay(volume, mu)
    return "SMPL" if record is None else record.status_of(volume).value


class TestSplitAndResync:
    def test_pairsplit_records_intent_and_outcome_and_the_array_is_split(self, fs_agent):
        seq = fs_agent.view.seq
        result = done(fs_agent.handle(command("SplitPair", group="TC01", device="VOL01")))
        assert (result["mode"], result["instance"]) == (None, None)
        assert result["pairs"] == [{"copy_group": TC, "status": "PSUS", "pvol": "410001:256",
                                    "svol": "410002:512", "done": True}]
        assert new_types(fs_agent, seq) == ["PairSplitRequested", "PairSplit",
                                            "CommandCompleted"]
        assert live(fs_agent) == "PSUS" and live(fs_agent, TC_SVOL) == "SSUS"
        assert fs_agent.view.copy_groups[TC].status == "PSUS"

    def test_the_split_s_vol_holds_the_p_vol_data_of_the_split(self, fs_agent, data_dir):
        before = tree(fs_root(data_dir))
        done(fs_agent.handle(command("SplitPair", group="TC01")))
        (fs_root(data_dir) / "docs" / "after.txt").write_text("after the split\n")
        assert tree(fs_agent.ports.storage.volume_path(TC_SVOL)) == before

    def test_pairresync_returns_at_copy_and_pairevtwait_sees_pair(self, fs_agent):
        done(fs_agent.handle(command("SplitPair", group="TC01")))
        result = done(fs_agent.handle(command("ResyncPair", group="TC01")))
        assert result["pairs"][0]["status"] in ("COPY", "PAIR")
        waited = done(fs_agent.handle(command("WaitPairEvent", group="TC01",
                                              statuses=["pair"], timeout=30)))
        assert waited == {"reached": True, "exit_code": 0, "error": "",
                          "pairs": [{"copy_group": TC, "status": "PAIR"}]}

    def test_a_whole_group_is_split_with_one_intent_append_and_one_outcome_append(
            self, fs_agent):
        heads = []
        fs_agent.store.append = _counting(fs_agent.store.append, heads)
        done(fs_agent.handle(command("SplitPair", group="VG01")))
        assert len(heads) == 3  # intents, outcomes, CommandCompleted: whatever the group's size

    def test_rw_split_makes_the_s_vol_writable(self, fs_agent):
        done(fs_agent.handle(command("SplitPair", group="TC01", option="rw")))
        assert not fs_agent.ports.storage.write_protected(TC_SVOL)


def _counting(append, calls):
    def counted(*args, **kwargs):
        calls.append(1)
        return append(*args, **kwargs)
    return counted


class TestCciAcceptsAndDoesNothing:
    def test_pairresync_on_a_pair_already_paired_ends_normally(self, fs_agent):
        seq = fs_agent.view.seq
        result = done(fs_agent.handle(command("ResyncPair", group="TC01")))
        assert result["pairs"][0]["done"] is False and live(fs_agent) == "PAIR"
        assert new_types(fs_agent, seq) == ["PairNoOperation", "CommandCompleted"]

    def test_pairsplit_S_on_a_simplex_volume_ends_normally(self, fs_agent):
        done(fs_agent.handle(command("SplitPair", group="TC01", option="S")))
        assert live(fs_agent) == "SMPL"
        assert done(fs_agent.handle(command("SplitPair", group="TC01",
                                            option="S")))["pairs"][0]["done"] is False


class TestCciErrorsChangeNothing:
    def test_unknown_group_device_and_mode(self, fs_agent):
        seq = fs_agent.view.seq
        refused(fs_agent.handle(command("SplitPair", group="NOPE")), "EX_ENOGRP")
        refused(fs_agent.handle(command("SplitPair", group="TC01", device="NOPE")),
                "EX_ENODEV")
        refused(fs_agent.handle(command("SplitPair", group="TC01", mode="SI")), "EX_INVMOD")
        refused(fs_agent.handle(command("SplitPair", group="VG01", mode="TC")), "EX_INVMOD")
        assert new_types(fs_agent, seq) == ["CommandRejected"] * 4
        assert live(fs_agent) == "PAIR"

    def test_an_illegal_transition_is_invstp_and_changes_nothing(self, fs_agent):
        done(fs_agent.handle(command("SplitPair", group="VG01", option="S")))
        seq = fs_agent.view.seq
        text = refused(fs_agent.handle(command("ResyncPair", group="VG01")), "EX_INVSTP")
        assert "SMPL" in text and live(fs_agent, mu="0") == "SMPL"
        refused(fs_agent.handle(command("SplitPair", group="VG01", option="rw")), "EX_INVSTP")
        assert new_types(fs_agent, seq) == ["CommandRejected"] * 2

    def test_fence_level_on_a_shadowimage_pair_is_an_invalid_argument(self, fs_agent):
        done(fs_agent.handle(command("SplitPair", group="VG02", option="S")))
        refused(fs_agent.handle(command("CreatePair", group="VG02", primary="local",
                                        fence="data")), "EX_INVARG")
        assert live(fs_agent, mu="1") == "SMPL"


class TestChangesBehindTheHostsBack:
    def test_another_hosts_split_is_noticed_and_recorded_by_the_next_command(
            self, fs_agent, bk_agent):
        done(fs_agent.handle(command("SplitPair", group="TC01")))
        done(bk_agent.handle(command("ResyncPair", host="BKServer", group="TC01")))
        done(bk_agent.handle(command("WaitPairEvent", host="BKServer", group="TC01",
                                     statuses=["pair"], timeout=30)))
        seq = fs_agent.view.seq
        done(fs_agent.handle(command("SplitPair", group="TC01")))
        events = fs_agent.store.read(fs_agent.host, after_seq=seq)
        assert events[0].type == "PairStatusObserved"
        assert events[0].payload["previous"] == "PSUS" and events[0].payload["status"] == "PAIR"
        assert [e.type for e in events[1:]] == ["PairSplitRequested", "PairSplit",
                                                "CommandCompleted"]

    def test_the_backup_server_sees_its_volume_first_and_as_the_s_vol(self, bk_agent):
        answer = bk_agent.handle(command("DisplayPairs", host="BKServer", group="TC01"))
        rows = answer.result["rows"]
        assert [(r["side"], r["serial"], r["role"]) for r in rows] == [
            ("L", "410002", "S-VOL"), ("R", "410001", "P-VOL")]


class TestRemoteSiteOperations:
    def test_dissolve_create_from_the_remote_side_and_swap_back(self, fs_agent, bk_agent,
                                                               data_dir):
        done(bk_agent.handle(command("SplitPair", host="BKServer", group="TC01", option="S")))
        assert live(bk_agent, TC_SVOL) == "SMPL"
        (bk_agent.ports.storage.volume_path(TC_SVOL) / "remote.txt").write_text("remote\n")
        created = done(bk_agent.handle(command("CreatePair", host="BKServer", group="TC01",
                                               primary="local", fence="never")))
        assert created["pairs"][0]["pvol"] == "410002:512"
        done(bk_agent.handle(command("WaitPairEvent", host="BKServer", group="TC01",
                                     statuses=["pair"], timeout=30)))
        assert (fs_root(data_dir) / "remote.txt").read_text() == "remote\n"
        swapped = done(fs_agent.handle(command("ResyncPair", group="TC01", swap="swaps")))
        assert swapped["pairs"][0]["pvol"] == "410001:256"
        done(fs_agent.handle(command("WaitPairEvent", group="TC01", statuses=["pair"],
                                     timeout=30)))
        assert fs_agent.ports.storage.pairdisplay(PVOL, "").pvol == PVOL

    def test_horctakeover_swaps_on_the_s_vol_host_and_does_nothing_on_the_p_vol_host(
            self, fs_agent, bk_agent):
        nop = done(fs_agent.handle(command("TakeOverPair", group="TC01")))
        assert nop["pairs"][0]["done"] is False
        taken = done(bk_agent.handle(command("TakeOverPair", host="BKServer", group="TC01")))
        assert taken["pairs"][0]["pvol"] == "410002:512"
        assert "PairTakenOver" in new_types(bk_agent, 0)


class TestPairevtwaitJudgesTheSideCciJudges:
    def test_s_is_the_p_vol_status_on_either_host_and_ss_the_s_vol_status(self, fs_agent,
                                                                        bk_agent):
        done(fs_agent.handle(command("SplitPair", group="TC01")))
        on_bk = dict(host="BKServer", group="TC01", timeout=5)
        assert done(bk_agent.handle(command("WaitPairEvent", statuses=["psus"], **on_bk)))[
            "pairs"][0]["status"] == "PSUS"
        assert done(bk_agent.handle(command("WaitPairEvent", statuses=["ssus"],
                                            svol_side=True, **on_bk)))["reached"]
        assert done(fs_agent.handle(command("WaitPairEvent", group="TC01", nowait=True,
                                            svol_side=True)))["exit_code"] == 4


def test_the_products_own_backup_notices_a_change_made_from_another_host(fs_agent, bk_agent):
    from tests.fs_lab import FS_MOUNT

    done(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT], generation="local_0")))
    done(bk_agent.handle(command("ResyncPair", host="BKServer", group="VG01")))
    done(bk_agent.handle(command("WaitPairEvent", host="BKServer", group="VG01",
                                 statuses=["pair"], timeout=30)))
    seq = fs_agent.view.seq
    done(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT], generation="local_0")))
    events = fs_agent.store.read(fs_agent.host, after_seq=seq)
    assert events[0].type == "PairStatusObserved"
    assert (events[0].payload["previous"], events[0].payload["status"]) == ("PSUS", "PAIR")
    assert events[1].type == "BackupRequested"
