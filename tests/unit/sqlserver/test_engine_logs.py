"""Log backups: names, LSN ranges, truncation, the tail-log backup of a damaged database, the
chain rules of manual §2.7, and a roll-forward that refuses a gap before applying anything."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from adapters.sqlserver import pages
from services.agent.application_port import LOADING, ONLINE, STANDBY, ApplicationError


def log_backup(lab, **kwargs):
    return lab.engine.log_backup("default", "DB1", lab.root / "logs", **kwargs)


def restore(lab, backup, standby=False):
    lab.engine.set_offline("default", "DB1")
    lab.put_back(backup)
    lab.engine.restored("default", ["DB1"], backup.metadata, standby=standby)


def count(lab):
    return lab.engine.count_rows("default", "DB1")


def test_log_backup_names_ranges_and_truncation(lab):
    lab.engine.clock = lambda: datetime(2002, 11, 6, 1, 1, 0).timestamp()
    lab.write(2)
    lab.backup()
    lab.write(3)
    first = log_backup(lab)
    lab.write(1)
    second = log_backup(lab)
    assert Path(first.path).name == "DB1_20021106010100_0001.bk"
    assert Path(second.path).name == "DB1_20021106010100_0002.bk"
    assert (first.first_lsn, first.last_lsn, second.first_lsn, second.last_lsn) == (3, 6, 6, 7)
    held_from, records = pages.read_log(lab.vol1 / "DB1_log.ldf")
    assert held_from == 7 and records == []  # truncated
    lab.backup()
    lab.write(1)
    assert re.fullmatch(r"DB1_\d{14}_0001\.bk", Path(log_backup(lab).path).name)  # new full


def test_simple_recovery_model_and_no_full_backup_refuse_log_backups(lab):
    lab.engine.create_database("default", "Simple", [lab.vol2], lab.vol2, "SIMPLE")
    with pytest.raises(ApplicationError, match="SIMPLE") as simple:
        lab.engine.log_backup("default", "Simple", lab.root / "logs")
    assert simple.value.reason == "state"
    with pytest.raises(ApplicationError, match="no full backup") as first:
        log_backup(lab)
    assert first.value.reason == "log-chain"


def test_full_backup_log_backups_failure_tail_log_and_roll_forward_to_the_failure(lab):
    """Manual §5.4: A = full backup, B and C = log backups, D = failure; the tail-log backup
    (-no_truncate) of the damaged database carries the rows up to the failure."""
    lab.write(10)
    a = lab.backup()
    lab.write(5)
    b = log_backup(lab)
    lab.write(5)
    c = log_backup(lab)
    lab.write(3)
    lab.engine.damage("default", "DB1")  # D
    with pytest.raises(ApplicationError):
        log_backup(lab)  # a truncating log backup needs an ONLINE database
    tail = log_backup(lab, truncate=False)
    assert not tail.truncated and (tail.first_lsn, tail.last_lsn) == (21, 24)
    lab.put_back(a)
    lab.engine.restored("default", ["DB1"], a.metadata, standby=True)
    assert count(lab)["rows"] == 10  # standby: readable as of A
    lab.engine.apply_logs("default", "DB1", [b, c], finish=STANDBY)
    assert count(lab)["rows"] == 20
    assert lab.engine.apply_logs("default", "DB1", [tail], finish=ONLINE).state == ONLINE
    assert count(lab) == {"rows": 23, "max_row": 23, "lsn": 23, "missing": 0}
    lab.write(1)
    assert log_backup(lab).first_lsn == 24  # every log applied: the chain goes on


def test_a_gap_in_the_chain_is_refused_before_anything_is_applied(lab):
    lab.write(2)
    a = lab.backup()
    b, c, d = [(lab.write(1), log_backup(lab))[1] for _ in range(3)]
    restore(lab, a)
    for logs in ([c], [b, d], [b, c, d, d]):
        with pytest.raises(ApplicationError, match="gap|too early") as refused:
            lab.engine.apply_logs("default", "DB1", logs, finish=ONLINE)
        assert refused.value.reason == "log-chain"
    assert lab.engine.databases("default")[-1].state == LOADING
    assert lab.engine.apply_logs("default", "DB1", [], finish=STANDBY).state == STANDBY
    assert count(lab)["rows"] == 2  # nothing was applied
    lab.engine.apply_logs("default", "DB1", [b, c, d], finish=ONLINE)
    assert count(lab)["rows"] == 5


def test_a_damaged_or_foreign_log_backup_is_refused(lab):
    lab.write(2)
    a = lab.backup()
    lab.write(1)
    b = log_backup(lab)
    restore(lab, a)
    Path(b.path).write_bytes(Path(b.path).read_bytes()[:-3])
    with pytest.raises(ApplicationError, match="damaged") as damaged:
        lab.engine.apply_logs("default", "DB1", [b], finish=ONLINE)
    assert damaged.value.reason == "io"
    with pytest.raises(ApplicationError, match="point in time"):
        lab.engine.apply_logs("default", "DB1", [], finish=ONLINE, target="time:2020-01-01")


def test_after_a_partial_roll_forward_the_next_log_backup_needs_a_full_backup(lab):
    """Manual §2.7, Figure 6-7."""
    lab.write(2)
    a = lab.backup()
    lab.write(1)
    b = log_backup(lab)
    lab.write(1)
    log_backup(lab)  # C, left unapplied
    restore(lab, a)
    lab.engine.apply_logs("default", "DB1", [b], finish=ONLINE)
    lab.write(1)
    with pytest.raises(ApplicationError, match="full backup") as chain:
        log_backup(lab)
    assert chain.value.reason == "log-chain"
    lab.backup()  # (b): a new full backup
    lab.write(1)
    after = log_backup(lab)
    assert Path(after.path).name.endswith("_0001.bk") and after.last_lsn == after.first_lsn + 1


def test_rolling_forward_every_log_keeps_the_chain(lab):
    """Manual §2.7 (a): all log backups applied, the next log backup follows them."""
    lab.write(2)
    a = lab.backup()
    lab.write(1)
    b = log_backup(lab)
    lab.write(1)
    c = log_backup(lab)
    restore(lab, a)
    lab.engine.apply_logs("default", "DB1", [b], finish=LOADING)
    lab.engine.apply_logs("default", "DB1", [c], finish=ONLINE)
    lab.write(1)
    assert log_backup(lab).first_lsn == c.last_lsn


def test_logs_of_an_older_backup_chain_into_the_next_ones(lab):
    """Manual §2.7: from an older full backup, apply its logs up to its last one, then the
    log backups taken after the next full backup."""
    lab.write(1)
    a = lab.backup()
    lab.write(1)
    b = log_backup(lab)
    lab.write(1)
    lab.backup()
    lab.write(1)
    e = log_backup(lab)
    assert e.first_lsn == b.last_lsn
    restore(lab, a)
    lab.engine.apply_logs("default", "DB1", [b, e], finish=ONLINE)
    assert count(lab)["rows"] == 4
