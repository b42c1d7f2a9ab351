"""A copy of the files taken while writers run can be torn, detectably; one taken under the
freeze is consistent. The freeze blocks writers, writes the VDI metafiles as the manual names
them, and is released by the instance when it outlives its timeout."""
from __future__ import annotations

import json
import shutil
import threading

import pytest

from adapters.sqlserver import pages
from adapters.sqlserver.freezing import wait_released
from services.agent.application_port import ONLINE, ApplicationError


def files_of(lab, root):
    return [root / "DB1.mdf"], root / "DB1_log.ldf"


@pytest.mark.parametrize("first", ["log", "data"])
def test_a_copy_taken_while_a_transaction_commits_is_torn_and_detected(lab, tmp_path, first):
    lab.write(5)
    copy = tmp_path / "copy"
    copy.mkdir()
    names = {"log": "DB1_log.ldf", "data": "DB1.mdf"}
    second = "data" if first == "log" else "log"
    shutil.copy2(lab.vol1 / names[first], copy / names[first])
    lab.write(1)  # no freeze: the writer goes on between the two file copies
    shutil.copy2(lab.vol1 / names[second], copy / names[second])
    problems = pages.copy_problems(*files_of(lab, copy))
    assert problems and "LSN" in problems[0]
    assert pages.copy_problems(*files_of(lab, lab.vol1)) == []  # the live files are sound


def test_a_copy_caught_between_the_rows_and_the_header_page_is_torn(lab, tmp_path):
    lab.write(5)
    data = lab.vol1 / "DB1.mdf"
    header = data.read_bytes()[:pages.DATA_HEADER.size]
    lab.write(1)
    torn = tmp_path / "DB1.mdf"
    torn.write_bytes(header + data.read_bytes()[pages.DATA_HEADER.size:])
    assert "rows on the pages" in pages.data_problems(torn)[0]


def test_a_copy_taken_under_the_freeze_is_consistent_while_writers_wait(lab, tmp_path):
    lab.write(5)
    freeze, metadata = lab.engine.freeze("default", ["DB1"], 60, None, "0000000001")
    done = threading.Event()
    writer = threading.Thread(target=lambda: (lab.engine.write_rows("default", "DB1", 1),
                                              done.set()))
    writer.start()
    copy = tmp_path / "copy"
    shutil.copytree(lab.vol1, copy)  # file by file, as the split copies
    assert not done.is_set()  # the writer waits for the thaw
    lab.engine.thaw(freeze)
    writer.join()
    assert done.is_set()
    assert pages.copy_problems(*files_of(lab, copy)) == []
    assert lab.engine.count_rows("default", "DB1")["rows"] == 6
    lab.engine.set_offline("default", "DB1")
    shutil.rmtree(lab.vol1)
    shutil.copytree(copy, lab.vol1)
    (info,) = lab.engine.restored("default", ["DB1"], metadata, standby=True)
    assert lab.engine.count_rows("default", "DB1") == {"rows": 5, "max_row": 5, "lsn": 5,
                                                      "missing": 0}


def test_restoring_files_that_do_not_match_their_metafile_is_refused(lab, tmp_path):
    lab.write(3)
    backup = lab.backup()
    lab.write(1)
    lab.engine.set_offline("default", "DB1")
    lab.put_back(backup)
    lab.engine.set_online("default", "DB1")
    lab.write(1)  # the data file moves on: the restored copy no longer matches its metafile
    lab.engine.set_offline("default", "DB1")
    (lab.vol1 / "DB1_log.ldf").write_bytes((backup.copy / "vol1" / "DB1_log.ldf").read_bytes())
    with pytest.raises(ApplicationError, match="not consistent") as torn:
        lab.engine.restored("default", ["DB1"], backup.metadata, standby=False)
    assert torn.value.reason == "io"


def test_metafiles_in_a_directory_and_beside_the_data(lab):
    lab.engine.create_database("default", "DB2", [lab.vol2], lab.vol2)
    meta_dir = lab.root / "meta"
    freeze, metadata = lab.engine.freeze("default", ["db1", "DB2"], 60, meta_dir, "0000000131")
    lab.engine.thaw(freeze)
    assert [m.path for m in metadata] == [str(meta_dir / "0000000131_0000000005.dmp"),
                                          str(meta_dir / "0000000131_0000000006.dmp")]
    freeze, metadata = lab.engine.freeze("default", ["DB2"], 60, None, "0000000132")
    lab.engine.thaw(freeze)
    assert metadata[0].path == str(lab.vol2 / "META_0000000006.dmp")
    body = json.loads((lab.vol2 / "META_0000000006.dmp").read_text())
    assert body["database"] == "DB2" and body["database_id"] == 6 and body["lsn"] == 0


def test_a_freeze_that_outlives_its_timeout_is_released_and_its_thaw_fails(lab):
    freeze, _ = lab.engine.freeze("default", ["DB1"], 0.05, None, "1")
    assert wait_released(lab.engine, freeze.token)
    lab.engine.write_rows("default", "DB1", 1)  # writers go on
    with pytest.raises(ApplicationError) as late:
        lab.engine.thaw(freeze)
    assert late.value.reason == "frozen-timeout" and "timeout" in str(late.value)
    with pytest.raises(ApplicationError, match="no full backup"):
        lab.engine.log_backup("default", "DB1", lab.root / "logs")  # it was no backup


def test_a_frozen_database_cannot_be_frozen_twice_dropped_or_damaged(lab):
    freeze, _ = lab.engine.freeze("default", ["DB1"], 60, None, "1")
    for attempt in (lambda: lab.engine.freeze("default", ["DB1"], 60, None, "2"),
                    lambda: lab.engine.drop_database("default", "DB1"),
                    lambda: lab.engine.damage("default", "DB1"),
                    lambda: lab.engine.set_offline("default", "DB1")):
        with pytest.raises(ApplicationError, match="frozen"):
            attempt()
    lab.engine.thaw(freeze)
    assert lab.engine.databases("default")[-1].state == ONLINE


def test_stopping_the_instance_releases_its_freezes(lab):
    freeze, _ = lab.engine.freeze("default", ["DB1"], 60, None, "1")
    lab.engine.stop("default")
    assert lab.engine.frozen() == ()
    with pytest.raises(ApplicationError, match="instance stopped"):
        lab.engine.thaw(freeze)


def test_a_database_spanning_volumes_splits_its_rows(lab, tmp_path):
    lab.engine.create_database("default", "Wide", [lab.vol1, lab.vol2], lab.vol2)
    lab.engine.write_rows("default", "Wide", 7)
    first = [r for r, _, _ in pages.read_rows(lab.vol1 / "Wide.mdf")]
    second = [r for r, _, _ in pages.read_rows(lab.vol2 / "Wide_2.ndf")]
    assert first == [1, 3, 5, 7] and second == [2, 4, 6]
    assert pages.copy_problems([lab.vol1 / "Wide.mdf", lab.vol2 / "Wide_2.ndf"],
                               lab.vol2 / "Wide_log.ldf") == []


def test_a_backup_restores_into_another_instance_from_the_metafile_beside_it(lab):
    """Manual §5.14: the metafile on the P-VOL travels with the data; the other instance
    learns the database from it (the same ID when that one is free)."""
    lab.write(6)
    backup = lab.backup()
    lab.engine.define_instance("instB", lab.root / "systemB")
    other = lab.root / "vol3"
    shutil.copytree(backup.copy / "vol1", other)
    meta = backup.metadata[0]
    moved = meta.__class__(database=meta.database, path=str(other / "META_0000000005.dmp"),
                           size=meta.size, sha256=meta.sha256)
    (info,) = lab.engine.restored("INSTB", ["DB1"], [moved], standby=False)
    assert info.instance == "instB" and info.database_id == 5
    assert {f.path for f in info.files} == {str(other / "DB1.mdf"), str(other / "DB1_log.ldf")}
    lab.engine.apply_logs("instb", "DB1", [], finish=ONLINE)
    assert lab.engine.count_rows("instB", "DB1")["rows"] == 6
    assert lab.engine.count_rows("default", "DB1")["rows"] == 6  # the source is untouched
