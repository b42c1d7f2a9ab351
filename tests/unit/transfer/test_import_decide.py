"""Import decisions on folded views: known copy groups, mounts and locks, IDs, supersession."""
from __future__ import annotations

import pytest

from events import filesystem as fs
from events.export_document import seal_document
from events.tape import SvolMounted
from projections.host_fold import fold
from services.agent.errors import CommandRejection
from services.agent.transfer.decide import plan_import
from tests.unit.agent_fs.views import T0, envelopes, group, locked, maps, recorded, view_of, \
    volume

VG1, VG2 = "VG01,VOL01", "VG02,VOL02"
BK = "BKServer"
BK_MAPS = maps(volume("/bk/vg01", "410001:257", (group(0, role="S-VOL"),)),
               volume("/bk/vg02", "410001:258", (group(1, role="S-VOL"),)))


def document(copy_groups=(VG1,), backup_id="0000000001", origin="FSServer"):
    entry = recorded(backup_id, copy_groups).model_dump(mode="json")
    entry["origin_host"] = origin
    return seal_document(entry, "FSServer", 9, "cd" * 32, T0)


def bk_view(*payloads):
    return view_of(BK_MAPS, *payloads, host=BK)


def test_an_import_takes_the_next_local_id_and_keeps_the_original():
    view = bk_view(recorded("0000000001", [VG2]), recorded("0000000002", [VG2]))
    plan = plan_import(view, document(backup_id="0000000007"))
    imported = plan.imported
    assert imported.backup_id == "0000000003"
    assert (imported.original_id, imported.origin_host) == ("0000000007", "FSServer")
    assert (imported.source_host, imported.source_backup_id, imported.source_event_seq) == \
        ("FSServer", "0000000007", 9)
    assert imported.source_event_hash == "cd" * 32 and plan.superseded == ()


def test_an_import_supersedes_the_local_entry_on_the_same_copy_group():
    plan = plan_import(bk_view(recorded("0000000001", [VG1])), document())
    assert plan.superseded == (fs.BackupEntryDeleted(
        backup_id="0000000001", reason="superseded", by_backup_id="0000000002",
        copy_groups=(VG1,)),)
    view = fold(BK, envelopes(plan.events, BK, 3), bk_view(recorded("0000000001", [VG1])))
    assert sorted(view.catalog) == ["0000000002"]
    assert view.copy_groups[VG1].backup_id == "0000000002"


def test_unknown_copy_groups_are_refused_naming_each():
    with pytest.raises(CommandRejection) as caught:
        plan_import(bk_view(), document((VG1, "XX01,VOL09", "YY02,VOL08")))
    assert "XX01,VOL09, YY02,VOL08" in caught.value.text and "DRM-10011" in caught.value.text


def test_a_host_without_maps_knows_no_copy_group():
    with pytest.raises(CommandRejection) as caught:
        plan_import(view_of(host=BK), document())
    assert VG1 in caught.value.text


def test_a_mounted_copy_group_refuses_the_import():
    view = bk_view(SvolMounted(workflow_id="w", copy_group=VG1, mount_point="/bk/vg01"))
    with pytest.raises(CommandRejection) as caught:
        plan_import(view, document())
    assert "mounted at /bk/vg01" in caught.value.text and "DRM-10031" in caught.value.text


def test_a_locked_copy_group_refuses_the_import():
    with pytest.raises(CommandRejection) as caught:
        plan_import(bk_view(locked(VG1)), document())
    assert "locked (drmcgctl)" in caught.value.text


def test_a_lock_on_another_copy_group_does_not_matter():
    assert plan_import(bk_view(locked(VG2)), document()).imported.backup_id == "0000000001"
