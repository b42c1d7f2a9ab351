"""The backup server's devices through BKServer's agent, on real files: drmdevctl, read-only
mounts that refuse writes and report changes, CG_MP.conf, -force, drmfscat's devices."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from adapters.lab.example import example_toml
from adapters.lab.loader import load_lab
from adapters.lab.provision import mount_path, open_storage, provision, volume
from adapters.storage.kernel_mounts import mounts_under
from events import REGISTRY, EventContext
from events.filesystem import BackupRecorded, CopyGroupLocked
from events.tape import SvolMountRequested
from services.agent.bootstrap import build_agent
from tests.fs_lab import FS_MOUNT, command, fs_root, settings_for, tree
from tests.tape_lab import BK_HOST, bk_mount, hand_over

VG1, VG2 = "VG01,VOL01", "VG02,VOL02"
SVOLS = {"TC01,VOL01": "410002:512", VG1: "410001:257", VG2: "410001:258",
         "VG03,VOL03": "410001:259",
         # DBServer's generations (the example lab's SQL Server, slice sql-instance)
         **{f"SI0{n},sql0{v}": f"410001:{272 + 2 * n + v - 1}" for n in (1, 2, 3) for v in (1, 2)}}


def bk(name: str, **args):
    return command(name, host=BK_HOST, **args)


def result(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def refused(outcome, detail: str) -> str:
    assert outcome.type in ("CommandRejected", "CommandFailed"), outcome.payload
    assert detail in outcome.payload["text"], outcome.payload["text"]
    return outcome.payload["text"]


def recorded_since(agent, seq: int) -> list[tuple[str, dict]]:
    """The events recorded after ``seq`` but outcomes and map refreshes (a first command
    builds the host's maps)."""
    return [(e.type, e.payload) for e in agent.store.read(agent.host, after_seq=seq)
            if e.type not in ("CommandCompleted", "CommandRejected", "CommandFailed",
                              "DictionaryMapRefreshed")]


def backed_up(fs_agent, bk_agent) -> str:
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    return hand_over(fs_agent, bk_agent, "0000000001")


def definition_file(data_dir: Path) -> Path:
    return data_dir / "hosts" / BK_HOST / "conf" / "vm" / "CG_MP.conf"


@pytest.fixture
def dynamic_bk(tmp_path):
    """BKServer with DEVICE_DETACH=ENABLE (dynamic recognition), and FSServer."""
    path = tmp_path / "lab.toml"
    path.write_text(example_toml().replace('role = "BK"', 'role = "BK"\n'
                                                          'device_detach = "ENABLE"'))
    provision(load_lab(path), tmp_path).wait_idle()
    fs_agent = build_agent(settings_for(tmp_path), "FSServer")
    bk_agent = build_agent(settings_for(tmp_path), BK_HOST)
    yield fs_agent, bk_agent, tmp_path
    for agent in (fs_agent, bk_agent):
        agent.ports.storage.wait_idle(10)


# -- drmdevctl -------------------------------------------------------------------------------------
def test_detach_conceals_every_svol_once_and_attach_reveals_them(bk_agent):
    seq = bk_agent.view.seq
    assert result(bk_agent.handle(bk("ConcealSvols")))["concealed"] == sorted(SVOLS)
    [(kind, payload)] = recorded_since(bk_agent, seq)
    assert kind == "SvolsConcealed" and payload["by"] == "drmdevctl"
    assert dict(zip(payload["copy_groups"], payload["devices"])) == SVOLS
    assert bk_agent.view.devices.concealed == SVOLS
    seq = bk_agent.view.seq
    assert result(bk_agent.handle(bk("ConcealSvols")))["concealed"] == []  # nothing new
    assert recorded_since(bk_agent, seq) == []
    shown = bk_agent.handle(bk("ShowDevices")).result
    assert {d["copy_group"]: d["concealed"] for d in shown["devices"]} == \
        {name: True for name in SVOLS}
    assert shown["device_detach"] == "DISABLE"
    seq = bk_agent.view.seq
    assert result(bk_agent.handle(bk("RevealSvols")))["revealed"] == sorted(SVOLS)
    assert [k for k, _ in recorded_since(bk_agent, seq)] == ["SvolsRevealed"]
    assert bk_agent.view.devices.concealed == {}


def test_detach_is_refused_while_an_svol_is_mounted_and_changes_nothing(fs_agent, bk_agent):
    bk_id = backed_up(fs_agent, bk_agent)
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    seq = bk_agent.view.seq
    refused(bk_agent.handle(bk("ConcealSvols")), "DRM-10031")
    assert recorded_since(bk_agent, seq) == [] and bk_agent.view.devices.concealed == {}
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))


def test_a_concealed_svol_cannot_be_mounted_without_dynamic_recognition(fs_agent, bk_agent,
                                                                         data_dir):
    bk_id = backed_up(fs_agent, bk_agent)
    result(bk_agent.handle(bk("ConcealSvols")))
    seq = bk_agent.view.seq
    outcome = bk_agent.handle(bk("MountSvol", backup_id=bk_id))
    text = refused(outcome, "DRM-10090")
    assert outcome.payload["message_id"] == "KAVX0006-E" and "drmdevctl -attach" in text
    assert recorded_since(bk_agent, seq) == [] and not bk_mount(data_dir).is_symlink()
    result(bk_agent.handle(bk("RevealSvols")))
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))  # revealed: it mounts
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    assert bk_agent.view.devices.concealed == {}  # DISABLE: the unmount conceals nothing


def test_with_dynamic_recognition_the_mount_reveals_and_the_unmount_conceals(dynamic_bk):
    fs_agent, bk_agent, data_dir = dynamic_bk
    bk_id = backed_up(fs_agent, bk_agent)
    result(bk_agent.handle(bk("ConcealSvols")))
    seq = bk_agent.view.seq
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    assert mounted["revealed"] == [VG1]
    kinds = [k for k, _ in recorded_since(bk_agent, seq)]
    assert kinds[:2] == ["SvolsRevealed", "CopyGroupLocked"] and "SvolMounted" in kinds
    assert VG1 not in bk_agent.view.devices.concealed
    seq = bk_agent.view.seq
    unmounted = result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    assert unmounted["concealed"] == [VG1]
    [(kind, payload)] = [e for e in recorded_since(bk_agent, seq) if e[0] == "SvolsConcealed"]
    assert (payload["by"], payload["devices"]) == ("unmount", ["410001:257"])
    assert bk_agent.view.devices.concealed == SVOLS


# -- read-only mounts ------------------------------------------------------------------------------
def test_a_read_only_mount_refuses_writes_and_the_unmount_records_what_changed(
        fs_agent, bk_agent, data_dir):
    bk_id = backed_up(fs_agent, bk_agent)
    seq = bk_agent.view.seq
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    [guarded] = [p for k, p in recorded_since(bk_agent, seq) if k == "ReadOnlyMountGuarded"]
    assert guarded["device"] == "410001:257" and guarded["entries"] > 1
    assert mounted["guards"] == [{"copy_group": VG1, "mount_point": str(bk_mount(data_dir)),
                                  "guard": guarded["guard"], "enforced": guarded["enforced"]}]
    point = bk_mount(data_dir)
    if guarded["enforced"]:
        with pytest.raises(OSError):
            (point / "touched").touch()  # the user the tests run as is refused
    # a change that reaches the S-VOL anyway (here: through the array's own directory)
    svol_dir = open_storage(data_dir).volume_path(volume("410001", 257))
    (svol_dir / "docs" / "readme.txt").write_text("changed while mounted read-only\n")
    seq = bk_agent.view.seq
    unmounted = result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    [changed] = [p for k, p in recorded_since(bk_agent, seq) if k == "ReadOnlyMountChanged"]
    assert (changed["copy_group"], changed["total"]) == (VG1, 1)
    assert changed["paths"] == ["docs/readme.txt (modified)"]
    assert unmounted["changed"] == [{"copy_group": VG1, "mount_point": str(point), "total": 1,
                                     "paths": ["docs/readme.txt (modified)"]}]
    assert bk_agent.view.devices.changes[VG1] == 1
    assert mounts_under(data_dir) == []


def test_an_unchanged_read_only_mount_records_no_change(fs_agent, bk_agent):
    bk_id = backed_up(fs_agent, bk_agent)
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))
    seq = bk_agent.view.seq
    assert result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))["changed"] == []
    assert "ReadOnlyMountChanged" not in [k for k, _ in recorded_since(bk_agent, seq)]


# -- CG_MP.conf ------------------------------------------------------------------------------------
def test_mount_conf_writes_the_definition_and_later_mounts_follow_its_fs(fs_agent, bk_agent,
                                                                         data_dir):
    bk_id = backed_up(fs_agent, bk_agent)
    seq = bk_agent.view.seq
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id=bk_id, conf=True)))
    path = definition_file(data_dir)
    assert mounted["definition_file"] == str(path)
    [updated] = [p for k, p in recorded_since(bk_agent, seq) if k == "MountDefinitionUpdated"]
    assert updated["copy_groups"] == [VG1] and updated["backup_id"] == bk_id
    text = path.read_text()
    assert "COPY-GROUP=VG01,VOL01\nBUID=0000000001" in text
    assert f"LVM-DEVICE=410001:257\nLABEL=vg01\nFS={bk_mount(data_dir)}\n" in text
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    elsewhere = mount_path(data_dir, "hosts/BKServer/mnt/X")
    path.write_text(text.replace(f"FS={bk_mount(data_dir)}", "FS=hosts/BKServer/mnt/X"))
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id=bk_id)))  # the operator's FS=
    assert mounted["mounts"][0]["mount_point"] == str(elsewhere)
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id=bk_id, mount_point="W")))
    assert mounted["mounts"][0]["mount_point"] == str(data_dir / "W" / str(elsewhere)[1:])
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    mounted = result(bk_agent.handle(bk("MountSvol", copy_group=VG1, mount_point="W")))
    assert mounted["mounts"][0]["mount_point"] == str(elsewhere)  # by copy group: file wins
    result(bk_agent.handle(bk("UnmountSvol", copy_group=VG1)))


@pytest.mark.parametrize("damage, problem", [
    (lambda t: t.replace("COPY-GROUP-NUM=1", "COPY-GROUP-NUM=2", 1), "COPY-GROUP-NUM=2 but 1"),
    (lambda t: t.replace("BUID=0000000001", "BUID=1", 1), "BUID='1' is not valid"),
    (lambda t: t.replace("[DG_DEF]", "[DG_DEFS]"), "where [DG_DEF] is due"),
    (lambda t: t.replace("FS=", "FS=/outside/the/roots/", 1), "outside the allowed roots"),
    (lambda t: t + "EXTRA=1\n", "after the last block"),
    (lambda t: "x" * (1 << 20) + t, "larger than"),
])
def test_a_bad_cg_mp_conf_refuses_the_mount_clearly_and_changes_nothing(
        fs_agent, bk_agent, data_dir, damage, problem):
    bk_id = backed_up(fs_agent, bk_agent)
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id, conf=True)))
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))
    path = definition_file(data_dir)
    path.write_text(damage(path.read_text()))
    kept, seq = path.read_bytes(), bk_agent.view.seq
    text = refused(bk_agent.handle(bk("MountSvol", backup_id=bk_id, conf=True)), "DRM-10092")
    assert problem in text and "CG_MP.conf" in text
    assert recorded_since(bk_agent, seq) == [] and path.read_bytes() == kept
    assert not bk_mount(data_dir).is_symlink()


# -- -force ----------------------------------------------------------------------------------------
def entry_from_another_pvol(fs_agent, bk_agent) -> str:
    """An entry recorded at backup on P-VOL 410001:300, a volume since replaced by 410001:256."""
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    entry = fs_agent.view.catalog["0000000001"]
    bk_agent.catch_up()
    new_id = bk_agent.view.next_backup_id
    rows = tuple({**r._asdict(), "device": "410001:300"} for r in entry.rows)
    recorded = BackupRecorded(
        backup_id=new_id, original_id=entry.original_id, origin_host=entry.origin_host,
        mode=entry.mode, instances=entry.instances, rows=rows, generation=entry.generation,
        copy_groups=entry.copy_groups, started_at=entry.started_at, ended_at=entry.ended_at)
    context = EventContext(principal="tester@lab", occurred_at=entry.started_at)
    bk_agent.store.append(bk_agent.host, [REGISTRY.draft(recorded)], bk_agent.view.seq, context)
    bk_agent.catch_up()
    return new_id


def test_a_mount_of_volumes_that_changed_since_the_backup_needs_force(fs_agent, bk_agent,
                                                                        data_dir):
    bk_id = entry_from_another_pvol(fs_agent, bk_agent)
    seq = bk_agent.view.seq
    text = refused(bk_agent.handle(bk("MountSvol", backup_id=bk_id)), "DRM-10091")
    assert "410001:300" in text and "-force" in text
    assert recorded_since(bk_agent, seq) == [] and not bk_mount(data_dir).is_symlink()
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id, force=True)))
    [overridden] = [p for k, p in recorded_since(bk_agent, seq) if k == "SvolIdentityOverridden"]
    assert (overridden["recorded"], overridden["current"]) == ("410001:300", "410001:256")
    assert bk_mount(data_dir).is_symlink()
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))


def test_an_svol_replaced_on_the_array_needs_force_which_mounts_the_new_one(fs_agent, bk_agent,
                                                                          data_dir):
    bk_id = backed_up(fs_agent, bk_agent)
    storage = open_storage(data_dir)
    pvol, new_svol = volume("410001", 256), volume("410001", 300)
    storage.pairsplit(pvol, "0", simplex=True)  # the operator replaces VG01's S-VOL
    storage.create_ldev(new_svol, 64 << 20)
    storage.paircreate(pvol, new_svol, "SI", "0")
    storage.pairevtwait(pvol, "0", "PAIR", 30)
    storage.pairsplit(pvol, "0")
    seq = bk_agent.view.seq
    text = refused(bk_agent.handle(bk("MountSvol", backup_id=bk_id)), "DRM-10091")
    assert "S-VOL of the copy group VG01,VOL01 was 410001:257 and is now 410001:300" in text
    assert recorded_since(bk_agent, seq) == []
    mounted = result(bk_agent.handle(bk("MountSvol", backup_id=bk_id, force=True)))
    [overridden] = [p for k, p in recorded_since(bk_agent, seq) if k == "SvolIdentityOverridden"]
    assert (overridden["side"], overridden["current"]) == ("S-VOL", "410001:300")
    assert storage.mounted_volume(Path(mounted["mounts"][0]["mount_point"])) == new_svol
    assert tree(bk_mount(data_dir)) == tree(fs_root(data_dir))
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))


def test_a_forced_mount_killed_before_its_outcome_is_rolled_forward_on_the_new_svol(
        fs_agent, bk_agent, data_dir):
    bk_id = backed_up(fs_agent, bk_agent)
    storage = open_storage(data_dir)
    pvol, new_svol = volume("410001", 256), volume("410001", 300)
    storage.pairsplit(pvol, "0", simplex=True)
    storage.create_ldev(new_svol, 64 << 20)
    storage.paircreate(pvol, new_svol, "SI", "0")
    storage.pairevtwait(pvol, "0", "PAIR", 30)
    storage.pairsplit(pvol, "0")
    refused(bk_agent.handle(bk("MountSvol", backup_id=bk_id)), "DRM-10091")  # maps built
    point = bk_mount(data_dir)
    # what drmmount -force had done when it was killed: its intents recorded, the S-VOL mounted
    intents = [CopyGroupLocked(copy_group=VG1, by="mount", backup_id=bk_id),
               SvolMountRequested(workflow_id="w-killed", copy_group=VG1, mount_point=str(point),
                                  backup_id=bk_id, device="410001:300")]
    context = EventContext(principal="tester@lab", occurred_at=datetime.now(timezone.utc))
    bk_agent.store.append(BK_HOST, [REGISTRY.draft(e) for e in intents], bk_agent.view.seq,
                          context)
    storage.mount(new_svol, point)
    again = build_agent(settings_for(data_dir), BK_HOST)  # recovery runs at start
    assert again.view.copy_groups[VG1].mounted_at == str(point)  # rolled forward, not lied
    assert again.view.devices.guards[VG1].guard in ("bind", "modes", "none")
    result(again.handle(bk("UnmountSvol", backup_id=bk_id)))
    assert not point.is_symlink()


def test_force_changes_nothing_for_volumes_that_match(fs_agent, bk_agent):
    bk_id = backed_up(fs_agent, bk_agent)
    seq = bk_agent.view.seq
    result(bk_agent.handle(bk("MountSvol", backup_id=bk_id, force=True)))
    assert "SvolIdentityOverridden" not in [k for k, _ in recorded_since(bk_agent, seq)]
    result(bk_agent.handle(bk("UnmountSvol", backup_id=bk_id)))


# -- drmfscat --------------------------------------------------------------------------------------
def test_drmfscat_on_the_backup_server_shows_its_own_devices(fs_agent, bk_agent):
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    document = result(fs_agent.handle(command("ExportBackup", backup_id="0000000001")))
    result(bk_agent.handle(bk("ImportBackup", document=document["document"])))
    [fs_entry] = fs_agent.handle(command("ListFileSystemCatalog", targets=[FS_MOUNT])).result[
        "entries"]
    [bk_entry] = bk_agent.handle(bk("ListFileSystemCatalog", targets=[FS_MOUNT])).result[
        "entries"]
    assert [r["device"] for r in fs_entry["rows"]] == ["410001:256"]  # the P-VOL
    assert [r["device"] for r in bk_entry["rows"]] == ["410001:257"]  # BKServer's S-VOL
    assert bk_agent.view.catalog[bk_entry["backup_id"]].rows[0].device == "410001:256"
