"""drmsqlinit, drmsqldisplay -refresh, drmsqlbackup and drmsqlcat through the agent, on the
simulated array and the simulated SQL Server instance (issue 13)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from adapters.lab.provision import volume
from tests.fs_lab import command, fs_root, lab_of
from tests.sql_lab import INSTANCE, sql_agent

VG1 = "VG01,VOL01"


def result(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def refused(outcome, detail: str) -> str:
    assert outcome.type in ("CommandRejected", "CommandFailed"), outcome.payload
    assert outcome.payload["message_id"] == "KAVX0006-E" and detail in outcome.payload["text"]
    return outcome.payload["text"]


def init(agent, **answers):
    """drmsqlinit, then drmsqldisplay -refresh (the maps)."""
    done = result(agent.handle(command("InitSqlServer", instance=INSTANCE,
                                       **{"vdi_timeout": 300, **answers})))
    result(agent.handle(command("RefreshSqlMap", instance=INSTANCE)))
    return done


def backup(agent, **args):
    return agent.handle(command("BackupSqlServer", instance=INSTANCE, **args))


def catalog(agent, **args) -> list[dict]:
    return agent.handle(command("ListSqlCatalog", instance=INSTANCE, **args)).result["entries"]


def svol_root(agent, data_dir: Path, copy_group: str) -> Path:
    group = next(g for g in lab_of(data_dir).copy_groups
                 if f"{g.group},{g.device}" == copy_group)
    return agent.ports.storage.volume_path(volume(group.svol.array, group.svol.ldev))


def test_an_online_backup_freezes_splits_thaws_and_records_the_entry(agent, engine, data_dir):
    init(agent)
    refreshed = result(agent.handle(command("RefreshSqlMap", instance=INSTANCE)))
    assert refreshed["instances"] == [INSTANCE]
    engine.write_rows(INSTANCE, "UserDB1", 5)
    done = result(backup(agent, comment="nightly"))
    assert done["databases"] == ["UserDB1"] and done["copy_groups"] == [VG1]
    [meta] = done["metafiles"]
    metafile = Path(meta["path"])  # no metafile directory: beside the data, on the P-VOL
    assert metafile.parent == fs_root(data_dir) / "sql"
    assert hashlib.sha256(metafile.read_bytes()).hexdigest() == meta["sha256"]
    copied = svol_root(agent, data_dir, VG1) / "sql" / metafile.name
    assert copied.read_bytes() == metafile.read_bytes()  # the split took it along
    assert engine.frozen() == ()
    types = [e.type for e in agent.store.read(agent.host)]
    assert types.index("FreezeRequested") < types.index("PairSplit") < \
        types.index("ApplicationThawed") < types.index("BackupRecorded")
    entry = agent.view.catalog[done["backup_id"]]
    assert entry.object_type == "MSSQL" and entry.instances == (INSTANCE,)
    details = agent.view.sql.backup(done["backup_id"])
    assert [d.name for d in details.databases] == ["UserDB1"]
    assert details.metafile_of("UserDB1").sha256 == meta["sha256"]
    [listed] = catalog(agent)
    assert [r["kind"] for r in listed["rows"]] == ["M", "D", "T"]
    assert listed["comment"] == "nightly" and listed["rows"][1]["copy_groups"] == [VG1]


def test_a_registered_metafile_directory_gets_one_file_per_database(agent, data_dir):
    init(agent, metadata_dir="meta/DEFAULT")
    done = result(backup(agent))
    database_id = agent.view.sql.backup(done["backup_id"]).databases[0].database_id
    assert Path(done["metafiles"][0]["path"]) == \
        data_dir / "meta" / "DEFAULT" / f"{done['backup_id']}_{database_id:010d}.dmp"


def test_the_next_backup_rotates_and_supersedes_on_reuse(agent):
    init(agent)
    ids = [result(backup(agent))["backup_id"] for _ in range(4)]
    assert [agent.view.catalog[i].generation for i in ids[1:]] == ["local_1", "local_2",
                                                                   "local_0"]
    assert ids[0] not in agent.view.catalog and agent.view.sql.backup(ids[0]) is None
    assert [e["backup_id"] for e in catalog(agent)] == ids[1:]


@pytest.mark.parametrize("change, detail", [
    (lambda engine: engine.set_offline(INSTANCE, "UserDB1"), "DRM-11102"),
    (lambda engine: engine.stop(INSTANCE), "DRM-11101"),
    (lambda engine: engine.create_database(INSTANCE, "UserDB2",
                                           [Path(engine.roots[0]) / "elsewhere"],
                                           Path(engine.roots[0]) / "elsewhere"), "DRM-11110"),
])
def test_a_backup_the_tables_refuse_records_nothing(agent, engine, change, detail):
    init(agent)
    change(engine)
    seq = agent.view.seq
    refused(backup(agent), detail)
    assert agent.view.seq == seq + 1 and agent.view.catalog == {}  # only the rejection


def test_every_database_of_a_volume_must_be_named(agent, engine, data_dir):
    init(agent)
    root = fs_root(data_dir) / "sql2"
    engine.create_database(INSTANCE, "UserDB2", [root], root)
    text = refused(backup(agent, targets=["UserDB1"]), "DRM-11103")
    assert "UserDB2" in text
    assert result(backup(agent, targets=["UserDB1", "UserDB2"]))["databases"] == \
        ["UserDB1", "UserDB2"]


def test_without_drmsqlinit_the_backup_is_refused(agent):
    refused(backup(agent), "DRM-11109")


def test_drmsqlinit_needs_the_instance_running_and_confines_its_directories(agent, engine):
    outside = agent.handle(command("InitSqlServer", instance=INSTANCE, vdi_timeout=1,
                                   metadata_dir="meta/new", undo_dir="/etc/undo"))
    refused(outside, "DRM-11108")
    assert not (Path(engine.roots[0]) / "meta" / "new").exists()  # nothing was created
    engine.stop(INSTANCE)
    refused(agent.handle(command("InitSqlServer", instance=INSTANCE, vdi_timeout=1)),
            "DRM-11101")
    assert agent.view.sql.settings == {}


def test_a_freeze_that_outlives_its_timeout_fails_the_backup_and_records_no_entry(
        agent, engine):
    init(agent)

    class Slow:  # the split outlasts the freeze: the instance lets go first
        def __init__(self, storage):
            self.storage = storage

        def __getattr__(self, name):
            return getattr(self.storage, name)

        def pairsplit(self, *args, **kwargs):
            engine.release_all()
            return self.storage.pairsplit(*args, **kwargs)

    import dataclasses
    agent.ports = dataclasses.replace(agent.ports, storage=Slow(agent.ports.storage))
    refused(backup(agent), "DRM-11105")
    assert agent.view.catalog == {} and agent.view.sql.backups == {}
    assert agent.view.workflows == {}  # ended: nothing of it is held
    [(workflow_id, ended)] = agent.view.ended_workflows.items()
    assert ended.how == "aborted"
    failed = [e for e in agent.store.read(agent.host) if e.type == "FreezeFailed"]
    assert [e.payload["workflow_id"] for e in failed] == [workflow_id]


def test_a_template_records_the_layout_and_backs_up_nothing(agent):
    init(agent)
    done = result(backup(agent, template=True))
    assert done["template"] and agent.view.catalog == {}
    assert catalog(agent) == []
    [template] = catalog(agent, template=True)
    assert template["backup_id"] == done["backup_id"] and template["rows"][0]["kind"] == "D"
    assert result(backup(agent))["backup_id"] == "0000000002"
    result(agent.handle(command("DeleteCatalogEntry", backup_id=done["backup_id"])))  # drmappcat
    assert catalog(agent, template=True) == []


def test_a_crash_while_frozen_is_thawed_and_aborted_at_restart(agent, engine, data_dir,
                                                                monkeypatch):
    init(agent)

    class Crash(BaseException):
        """The process dies: nothing after this runs (no compensation either)."""

    class Dying:
        def __init__(self, storage):
            self.storage = storage

        def __getattr__(self, name):
            return getattr(self.storage, name)

        def pairsplit(self, *args, **kwargs):
            raise Crash()

    import dataclasses
    from services.agent.application import steps
    monkeypatch.setattr(steps, "thaw_all", lambda runner: None)
    storage = agent.ports.storage
    agent.ports = dataclasses.replace(agent.ports, storage=Dying(storage))
    with pytest.raises(Crash):
        backup(agent)
    assert len(engine.frozen()) == 1
    monkeypatch.undo()
    restarted = sql_agent(data_dir, engine)
    assert engine.frozen() == ()
    thawed = [e for e in restarted.store.read(restarted.host) if e.type == "ApplicationThawed"]
    assert [e.payload["how"] for e in thawed] == ["thawed"]
    assert restarted.view.workflows == {} and restarted.view.catalog == {}
    [(workflow_id, ended)] = restarted.view.ended_workflows.items()
    assert ended.how == "aborted"
    outcome = restarted.store.outcome_of(workflow_id)
    assert outcome is not None and outcome.type == "CommandFailed"
    assert outcome.payload["command"] == "BackupSqlServer"


def test_an_entry_of_this_hosts_data_imported_back_keeps_its_sql_details(agent):
    """EX_DRM_DB_EXPORT / EX_DRM_DB_IMPORT bring the entry back under a new ID (as after a tape
    restore on the backup server); drmsqlcat lists it with the original's databases and
    metafiles, and the view gives them to a restore."""
    init(agent)
    first = result(backup(agent))
    document = result(agent.handle(command("ExportBackup", backup_id=first["backup_id"])))
    imported = result(agent.handle(command("ImportBackup", document=document["document"])))
    assert imported["original_id"] == first["backup_id"]
    assert first["backup_id"] not in agent.view.catalog  # superseded by the import
    [listed] = catalog(agent)
    assert listed["backup_id"] == imported["backup_id"]
    assert listed["original_id"] == first["backup_id"]
    assert [r["file"] for r in listed["rows"] if r["kind"] == "M"] == \
        [m["path"] for m in first["metafiles"]]
    entry = agent.view.catalog[imported["backup_id"]]
    assert agent.view.sql.for_entry(entry, agent.host).metafile_of("UserDB1").sha256 == \
        first["metafiles"][0]["sha256"]


def test_the_export_carries_the_sql_details_to_the_backup_server(agent, data_dir):
    """drmdbexport on the database server, drmdbimport on BKServer: the backup server's entry
    (a new backup ID, the same original) has the databases and the metafiles, so drmsqlcat
    lists it there too; the signed body covers them."""
    from services.agent.bootstrap import build_agent
    from tests.fs_lab import settings_for

    init(agent)
    first = result(backup(agent))
    document = result(agent.handle(command("ExportBackup", backup_id=first["backup_id"])))
    assert document["document"]["body"]["sql"]["instance"] == INSTANCE
    bk = build_agent(settings_for(data_dir), "BKServer")
    imported = result(bk.handle(command("ImportBackup", host="BKServer",
                                        document=document["document"])))
    details = bk.view.sql.for_entry(bk.view.catalog[imported["backup_id"]], bk.host)
    assert details.backup_id == imported["backup_id"]
    assert details.metafile_of("UserDB1").sha256 == first["metafiles"][0]["sha256"]
    assert bk.view.sql.originals[first["backup_id"]] is details
    [listed] = bk.handle(command("ListSqlCatalog", host="BKServer",
                                 instance=INSTANCE)).result["entries"]
    assert listed["original_id"] == first["backup_id"] and listed["origin_host"] == agent.host
    tampered = {**document["document"], "body": {**document["document"]["body"], "sql": {
        **document["document"]["body"]["sql"], "instance": "OTHER"}}}
    assert bk.handle(command("ImportBackup", host="BKServer",
                             document=tampered)).type == "CommandRejected"
