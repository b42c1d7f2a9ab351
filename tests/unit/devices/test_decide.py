"""The pure device rules: concealment, what a mount must do first, CG_MP.conf's mount points."""
from __future__ import annotations

import pytest

from events import devices, tape
from services.agent.backup_server import decide as bk_decide
from services.agent.devices import decide
from services.agent.devices.mount_definition import FileSystemDef, MountDefinition
from services.agent.errors import CommandRejection
from tests.unit.agent_bk.test_decide import NOW, SPLIT, VG1, VG2, bk_view, mounted
from tests.unit.agent_fs.views import recorded


def concealed(*names):
    devices_of = {VG1: "410001:257", VG2: "410001:258"}
    return devices.SvolsConcealed(copy_groups=names, devices=tuple(devices_of[n] for n in names),
                                  by="drmdevctl")


def test_detach_conceals_what_is_not_concealed_yet():
    [event] = decide.plan_conceal(bk_view(concealed(VG1)))
    assert (event.copy_groups, event.devices) == ((VG2,), ("410001:258",))
    assert decide.plan_conceal(bk_view(concealed(VG1, VG2))) == []


def test_detach_refuses_while_one_is_mounted():
    with pytest.raises(CommandRejection, match="DRM-10031"):
        decide.plan_conceal(bk_view(*mounted()))


def test_attach_reveals_every_concealed_one():
    [event] = decide.plan_reveal(bk_view(concealed(VG1, VG2)))
    assert event.copy_groups == (VG1, VG2) and event.by == "drmdevctl"
    assert decide.plan_reveal(bk_view()) == []


def planned(view, backup_id="0000000001", copy_group=None):
    return bk_decide.plan_mount(view, "w", backup_id, copy_group, None, SPLIT, NOW)


def test_a_concealed_svol_is_revealed_by_the_mount_only_with_dynamic_recognition():
    view = bk_view(recorded("0000000001", [VG1]), concealed(VG1))
    with pytest.raises(CommandRejection, match="DRM-10090"):
        decide.before_mount(view, planned(view), "DISABLE", False)
    [revealed], events = decide.before_mount(view, planned(view), "ENABLE", False)
    assert events == planned(view)
    assert (revealed.copy_groups, revealed.by, revealed.backup_id) == \
        ((VG1,), "mount", "0000000001")
    assert decide.conceal_again([revealed])[0].copy_groups == (VG1,)


def test_the_unmount_conceals_again_only_with_dynamic_recognition():
    unmounted = [tape.SvolUnmounted(workflow_id="w", copy_group=VG1, mount_point="/bk/vg01")]
    assert decide.after_unmount(bk_view(), unmounted, "DISABLE") == []
    [event] = decide.after_unmount(bk_view(), unmounted, "ENABLE")
    assert (event.copy_groups, event.by) == ((VG1,), "unmount")


@pytest.mark.parametrize("mount_pt, defined, by_group, expected", [
    (None, None, False, "/bk/vg01"),
    ("/W", None, False, "/W"),
    (None, "/bk/X", False, "/bk/X"),
    ("/W", "/bk/X", False, "/W/bk/X"),  # the manual's W:\mnt + D:\mnt -> W:\mnt\D\mnt
    ("/W", "/bk/X", True, "/bk/X"),  # -copy_group: the file wins over -mount_pt
    ("/W", None, True, "/W"),
])
def test_mount_points_follow_tables_3_41_and_3_42(mount_pt, defined, by_group, expected):
    assert bk_decide.mount_point_for("/bk/vg01", mount_pt, 1, defined, by_group) == expected


def test_the_definitions_mount_point_is_that_of_the_copy_groups_own_svol():
    definition = MountDefinition().with_mounts(
        "0000000001", "20260101000000", [(VG1, FileSystemDef("410001:257", "vg01", "/bk/X")),
                                         (VG2, FileSystemDef("410001:999", "vg02", "/bk/Y"))])
    assert decide.defined_points(bk_view(), definition) == {VG1: "/bk/X"}
    assert decide.defined_points(bk_view(), None) == {}


def test_a_replaced_svol_needs_force_which_mounts_the_one_the_array_pairs_now():
    view = bk_view(recorded("0000000001", [VG1]))
    partners = {VG1: "410001:300"}
    with pytest.raises(CommandRejection, match="DRM-10091.*S-VOL of the copy group"):
        decide.before_mount(view, planned(view), "DISABLE", False, partners)
    [overridden], events = decide.before_mount(view, planned(view), "DISABLE", True, partners)
    assert (overridden.side, overridden.recorded, overridden.current) == \
        ("S-VOL", "410001:257", "410001:300")
    assert [e.device for e in events if isinstance(e, tape.SvolMountRequested)] == ["410001:300"]
    assert decide.before_mount(view, planned(view), "DISABLE", False,
                               {VG1: "410001:257"}) == ([], planned(view))
