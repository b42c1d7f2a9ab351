"""The SQL Server backup decisions (issue 13), table by table: pure, the view and the
instance's answers in, a plan or a rejection out."""
from __future__ import annotations

from pathlib import Path

import pytest

from projections.sql_view import SqlSettings
from services.agent.application_port import (LOADING, OFFLINE, ONLINE, RUNNING, STANDBY,
                                             STOPPED, UNCONFIRMED, DatabaseFile, DatabaseInfo)
from services.agent.errors import CommandRejection
from services.agent.plan import Freeze, MakePair, Split, Thaw
from services.agent.sqlserver import decide
from tests.unit.agent_fs.views import T0, group, maps, recorded, view_of, volume

MP, MP2, SYS = "/lab/fs1", "/lab/fs2", "/c/sys"


def db(name, mp=MP, state=ONLINE, system=False, database_id=None, log_mp=None):
    return DatabaseInfo("DEFAULT", name, database_id or (abs(hash(name)) % 1000 + 5), system,
                        "FULL", state, (DatabaseFile(f"{mp}/{name}.mdf", "data"),
                                        DatabaseFile(f"{log_mp or mp}/{name}_log.ldf", "log")))


SYSTEM = [db(n, SYS, system=True, database_id=i) for i, n in
          enumerate(("master", "tempdb", "model", "msdb"), start=1)]


def detail_of(error: CommandRejection) -> str:
    return error.text.split("(")[1].split(":")[0]


@pytest.mark.parametrize("status, ok", [(RUNNING, True), (STOPPED, False)])
def test_table_6_1_the_instance_must_run(status, ok):
    if ok:
        decide.require_running("DEFAULT", status)
    else:
        with pytest.raises(CommandRejection) as refused:
            decide.require_running("DEFAULT", status)
        assert detail_of(refused.value) == "DRM-11101"


@pytest.mark.parametrize("state, ok", [
    (ONLINE, True), (OFFLINE, False), (LOADING, False), (STANDBY, False), (UNCONFIRMED, False),
    (f"{OFFLINE}+{UNCONFIRMED}", False), (f"{STANDBY}+{OFFLINE}", False),
])
def test_table_6_2_and_6_3_only_online_databases_are_backed_up(state, ok):
    databases = [*SYSTEM, db("UserDB1", state=state)]
    if ok:
        assert [d.name for d in decide.choose_databases("DEFAULT", databases, False, ())] == \
            ["UserDB1"]
    else:
        with pytest.raises(CommandRejection) as refused:
            decide.choose_databases("DEFAULT", databases, False, ())
        assert detail_of(refused.value) == "DRM-11102"


@pytest.mark.parametrize("system, targets, chosen", [
    (False, (), ["UserDB1", "UserDB2"]),
    (True, (), ["master", "model", "msdb", "UserDB1", "UserDB2"]),
    (False, ("userdb2",), ["UserDB2"]),
    (False, ("UserDB2", "UserDB1", "USERDB2"), ["UserDB2", "UserDB1"]),
    (False, ("master",), ["master"]),
])
def test_which_databases(system, targets, chosen):
    databases = [*SYSTEM, db("UserDB1"), db("UserDB2")]
    found = decide.choose_databases("DEFAULT", databases, system, targets)
    assert [d.name for d in found] == chosen


@pytest.mark.parametrize("databases, targets, detail", [
    ([*SYSTEM, db("UserDB1")], ("Nope",), "DRM-11106"),
    ([*SYSTEM, db("UserDB1")], ("tempdb",), "DRM-11102"),
    (SYSTEM, (), "DRM-11106"),
    ([*SYSTEM, *(db(f"U{n}") for n in range(65))], (), "DRM-11104"),
])
def test_refused_selections(databases, targets, detail):
    with pytest.raises(CommandRejection) as refused:
        decide.choose_databases("DEFAULT", databases, False, targets)
    assert detail_of(refused.value) == detail


def two_volumes():
    return view_of(maps(volume(MP), volume(MP2, device="410001:300", groups=(
        group(0, device="410001:300").model_copy(update={"copy_group": "VG11,VOL11",
                                                         "svol": "410001:301"}),))))


def test_files_are_placed_on_the_longest_mount_point():
    view = view_of(maps(volume(MP), volume(f"{MP}/deep", device="410001:300")))
    record = decide.database_record(view, db("UserDB1", f"{MP}/deep/sql"))
    assert {f.mount_point for f in record.files} == {f"{MP}/deep"}
    assert decide.database_record(view, db("X", "/elsewhere")).files[0].mount_point == ""


def test_a_database_on_two_volumes_splits_both():
    view = two_volumes()
    chosen = [db("UserDB1", MP, log_mp=MP2)]
    records, volumes = decide.placed(view, chosen, [*SYSTEM, *chosen])
    assert [v.mount_point for v in volumes] == [MP, MP2]
    plan = decide.plan_sql_backup(view, "wf", "DEFAULT", records, volumes,
                                  SqlSettings("DEFAULT", "", 300, "", ""), None)
    assert plan.request.copy_groups == ("VG01,VOL01", "VG11,VOL11")
    assert [type(s) for s in plan.steps] == [MakePair, MakePair, Freeze, Split, Split, Thaw]
    assert plan.freeze == Freeze("sqlserver", "DEFAULT", ("UserDB1",), 300.0, None,
                                 "0000000001")
    details, entry = decide.entry_events("DB", plan.request, plan.sql_request, (), T0, T0)
    assert [(r.kind, r.copy_group) for r in entry.rows] == [
        ("D", "VG01,VOL01"), ("T", "VG11,VOL11")]
    assert entry.object_type == "MSSQL" and entry.instances == ("DEFAULT",)
    assert details.databases == plan.sql_request.records and details.backup_id == "0000000001"


@pytest.mark.parametrize("others, detail", [
    ([db("UserDB2", MP2, log_mp=MP)], "DRM-11103"),  # its log shares the volume
    ([db("tempdb", MP, system=True)], None),  # tempdb never counts
    ([db("UserDB2", MP2)], None),
])
def test_every_database_of_a_volume_is_named(others, detail):
    view = two_volumes()
    chosen = [db("UserDB1", MP)]
    if detail is None:
        decide.placed(view, chosen, [*chosen, *others])
        return
    with pytest.raises(CommandRejection) as refused:
        decide.placed(view, chosen, [*chosen, *others])
    assert detail_of(refused.value) == detail


def test_a_file_off_the_map_is_refused():
    with pytest.raises(CommandRejection) as refused:
        decide.placed(two_volumes(), [db("UserDB1", "/elsewhere")], [])
    assert detail_of(refused.value) == "DRM-11110"


def test_the_plan_supersedes_the_entry_on_the_generation_and_names_the_metafile_dir():
    view = view_of(maps(), recorded("0000000001", ["VG01,VOL01"]),
                   recorded("0000000002", ["VG02,VOL02"], minutes=1),
                   recorded("0000000003", ["VG03,VOL03"], minutes=2))
    records, volumes = decide.placed(view, [db("UserDB1")], [db("UserDB1")])
    plan = decide.plan_sql_backup(view, "wf", "DEFAULT", records, volumes,
                                  SqlSettings("DEFAULT", "/lab/meta", 0, "", ""), None,
                                  "c", system=True)
    assert plan.request.backup_id == "0000000004" and plan.request.generation == "local_0"
    assert [d.backup_id for d in plan.superseded] == ["0000000001"]
    assert plan.freeze.metadata_dir == Path("/lab/meta") and plan.freeze.timeout == 0
    assert plan.sql_request.system and [type(e).__name__ for e in plan.first_events] == [
        "BackupRequested", "SqlBackupRequested", "BackupEntryDeleted"]
    assert plan.sql_request.records[0].files[0].copy_groups == ("VG01,VOL01",)
    assert plan.sql_request.metadata_dir == "/lab/meta"
