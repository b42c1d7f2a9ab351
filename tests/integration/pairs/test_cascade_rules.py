"""The manual's rules for ShadowImage pairs sharing an LDEV with another pair, through the
file server's agent on a lab that has them:

    410001:300 --UP01 (SI, MU#1)--> 410001:256 (FSServer's file system)
    410001:256 --VG01 (SI, MU#0)--> 410001:257 --TC02 (TrueCopy)--> 410002:512

Rule 1 (ShadowImage P-VOL = TrueCopy P-VOL) is the restore's check of every related copy group
(``test_remedies``: TC01 of the example lab)."""
from __future__ import annotations

import re

import pytest

from adapters.lab.loader import load_lab
from adapters.storage.base import VolumeRef
from adapters.lab.provision import mount_path, provision
from services.agent.bootstrap import build_agent
from services.settings import load_settings
from tests.fs_lab import command, tree

MOUNT = "hosts/FSServer/mnt/fs1"
LAB = '''
name = "cascade"
[[hosts]]
name = "FSServer"
role = "FS"
  [[hosts.mounts]]
  path = "hosts/FSServer/mnt/fs1"
  array = 410001
  ldev = 256
[[arrays]]
serial = 410001
{ldevs}
[[arrays]]
serial = 410002
  [[arrays.ldevs]]
  id = 512
  size = "16MiB"
[[copy_groups]]
group = "VG01"
device = "VOL01"
copy_type = "SI"
mu = 0
pvol = {{ array = 410001, ldev = 256 }}
svol = {{ array = 410001, ldev = 257 }}
[[copy_groups]]
group = "TC02"
device = "VOL02"
copy_type = "TC"
pvol = {{ array = 410001, ldev = 257 }}
svol = {{ array = 410002, ldev = 512 }}
initial_status = "{tc02}"
[[copy_groups]]
group = "UP01"
device = "VOL01"
copy_type = "SI"
mu = 1
pvol = {{ array = 410001, ldev = 300 }}
svol = {{ array = 410001, ldev = 256 }}
initial_status = "{up01}"
'''


def make_agent(tmp_path, tc02: str, up01: str):
    ldevs = "".join(f'  [[arrays.ldevs]]\n  id = {n}\n  size = "16MiB"\n' for n in (256, 257, 300))
    path = tmp_path / "cascade.toml"
    path.write_text(LAB.format(ldevs=ldevs, tc02=tc02, up01=up01))
    provision(load_lab(path), tmp_path, populate=lambda lab, d: (
        mount_path(d, MOUNT) / "data.txt").write_text("first\n")).wait_idle()
    return build_agent(load_settings(environ={}, data_dir=tmp_path, hostname="FSServer"),
                       "FSServer")


@pytest.fixture
def agent_with(tmp_path):
    made = []

    def make(tc02="PAIR", up01="PSUS"):
        made.append(make_agent(tmp_path, tc02, up01))
        return made[-1]
    yield make
    for agent in made:
        agent.ports.storage.wait_idle(10)


def refused(outcome, *words: str) -> str:
    assert outcome.type == "CommandRejected", outcome.payload
    text = outcome.payload["text"]
    assert "DRM-10030" in text and all(w in text for w in words), text
    return re.search(r"run (pairsplit .+?) first", text).group(1)


def done(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def backup(agent):
    return agent.handle(command("BackupFileSystem", targets=[MOUNT]))


def test_rule_2_a_backup_needs_the_truecopy_pair_on_the_s_vol_split(agent_with):
    agent = agent_with(tc02="PAIR")
    seq = agent.view.seq
    remedy = refused(backup(agent), "TC02,VOL02", "PAIR", "S-VOL of VG01,VOL01")
    assert remedy == "pairsplit -g TC02 -d VOL02"
    assert "BackupRequested" not in [e.type for e in agent.store.read("FSServer", seq)]
    done(agent.handle(command("SplitPair", group="TC02", device="VOL02")))
    assert done(backup(agent))["copy_groups"] == ["VG01,VOL01"]


def test_rule_2_a_restore_needs_it_too(agent_with, tmp_path):
    agent = agent_with(tc02="SMPL", up01="SMPL")
    done(backup(agent))
    done(agent.handle(command("CreatePair", group="TC02", primary="local")))
    done(agent.handle(command("WaitPairEvent", group="TC02", statuses=["pair"], timeout=30)))
    refused(agent.handle(command("RestoreFileSystem", backup_id="0000000001")), "TC02,VOL02")
    done(agent.handle(command("SplitPair", group="TC02")))
    (mount_path(tmp_path, MOUNT) / "data.txt").write_text("changed\n")
    done(agent.handle(command("RestoreFileSystem", backup_id="0000000001")))
    assert (mount_path(tmp_path, MOUNT) / "data.txt").read_text() == "first\n"


def test_rule_3_a_cascade_backup_needs_the_upstream_pair_smpl_or_ssus(agent_with):
    agent = agent_with(tc02="SMPL", up01="PAIR")
    remedy = refused(backup(agent), "UP01,VOL01", "SMPL or SSUS")
    assert remedy == "pairsplit -g UP01 -d VOL01"
    done(agent.handle(command("SplitPair", group="UP01")))
    done(backup(agent))


def test_rule_3_a_cascade_restore_needs_the_upstream_pair_smpl(agent_with, tmp_path):
    agent = agent_with(tc02="SMPL", up01="PSUS")
    done(backup(agent))
    before = tree(mount_path(tmp_path, MOUNT))
    remedy = refused(agent.handle(command("RestoreFileSystem", backup_id="0000000001")),
                     "UP01,VOL01", "needs it SMPL")
    assert remedy == "pairsplit -g UP01 -d VOL01 -S"
    done(agent.handle(command("SplitPair", group="UP01", option="S")))
    done(agent.handle(command("RestoreFileSystem", backup_id="0000000001")))
    assert tree(mount_path(tmp_path, MOUNT)) == before


class TestForcedCascadeOption:
    """``-FBC [MU#]`` (CCI's -FMRCF): the ShadowImage pair cascaded on a TrueCopy pair's far
    volume, or its near one with ``-l``; from FSServer, TC02's near volume is 410001:257,
    the S-VOL of VG01 (MU#0), and its far volume 410002:512 has no ShadowImage pair."""

    def test_the_near_cascaded_pair_is_split_and_waited_for(self, agent_with):
        agent = agent_with(tc02="PAIR", up01="SMPL")
        near = dict(group="TC02", cascade_mu="0", cascade_local=True)
        waited = done(agent.handle(command("WaitPairEvent", statuses=["pair"], timeout=10,
                                           **near)))
        assert waited["pairs"] == [{"copy_group": "VG01,VOL01", "status": "PAIR"}]
        split = done(agent.handle(command("SplitPair", **near)))
        assert [p["copy_group"] for p in split["pairs"]] == ["VG01,VOL01"]
        waited = done(agent.handle(command("WaitPairEvent", statuses=["ssus"], timeout=10,
                                           svol_side=True, **near)))
        assert waited["pairs"][0]["status"] == "SSUS"  # -ss: judged on VG01's S-VOL
        waited = done(agent.handle(command("WaitPairEvent", statuses=["psus"], timeout=10,
                                           **near)))
        assert waited["pairs"][0]["status"] == "PSUS"  # -s: judged on its P-VOL
        tc = agent.ports.storage.pairdisplay(VolumeRef(serial="410001", ldev=257), "")
        assert tc.status.value == "PAIR"

    def test_a_far_volume_without_a_cascaded_pair_shows_smpl(self, agent_with):
        agent = agent_with(tc02="PAIR", up01="SMPL")
        waited = done(agent.handle(command("WaitPairEvent", group="TC02", cascade_mu="0",
                                           nowait=True)))
        assert waited["exit_code"] == 1 and waited["pairs"][0]["status"] == "SMPL"

    def test_fbc_on_a_shadowimage_group_is_invmod(self, agent_with):
        agent = agent_with(tc02="PAIR", up01="SMPL")
        outcome = agent.handle(command("SplitPair", group="VG01", cascade_mu="0"))
        assert outcome.type == "CommandRejected" and "[EX_INVMOD]" in outcome.payload["text"]


def test_dissolving_a_far_volume_without_a_pair_leaves_the_views_copy_groups_alone(agent_with):
    agent = agent_with(tc02="PAIR", up01="SMPL")
    before = set(agent.view.copy_groups)
    outcome = done(agent.handle(command("SplitPair", group="TC02", option="S", cascade_mu="0")))
    assert outcome["pairs"][0]["done"] is False  # CCI: -S on a SMPL volume does nothing
    assert set(agent.view.copy_groups) == before
