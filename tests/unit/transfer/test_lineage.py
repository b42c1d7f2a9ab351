"""Lineage: the entries of every host that carry the same original backup, in recorded order."""
from __future__ import annotations

import uuid
from datetime import timedelta

from events import REGISTRY, EventEnvelope
from events import filesystem as fs
from events.transfer import BackupImported
from projections.lineage import entries_of, lineage
from tests.unit.agent_fs.views import T0, recorded


def stream(host, *payloads):
    return [EventEnvelope.trusted(
        event_id=str(uuid.uuid4()), host=host, seq=seq, type=REGISTRY.draft(p).type, version=1,
        occurred_at=T0 + timedelta(minutes=minute), command_id=None, correlation_id=None,
        causation_id=None, principal="t", payload=p.model_dump(mode="json"),
        prev_hash="0" * 64, hash=f"{host[:2].lower()}{seq:062d}")
        for seq, (minute, p) in enumerate(payloads, 1)]


def imported(backup_id, original, source_host, source_id, copy_group="VG01,VOL01"):
    base = recorded(backup_id, [copy_group]).model_dump()
    base.update(original_id=original, origin_host="FSServer")
    return BackupImported(**base, source_host=source_host, source_backup_id=source_id,
                          source_event_seq=1, source_event_hash="e" * 64,
                          document_sha256="f" * 64)


def hosts():
    fs_stream = stream("FSServer", (0, recorded("0000000001", ["VG01,VOL01"])),
                       (1, recorded("0000000002", ["VG02,VOL02"])),
                       (5, fs.BackupEntryDeleted(backup_id="0000000001", reason="superseded")),
                       (5, imported("0000000003", "0000000001", "BKServer", "0000000002")))
    bk_stream = stream("BKServer", (2, imported("0000000001", "0000000001", "FSServer",
                                                "0000000001")),
                       (3, imported("0000000002", "0000000001", "BKServer", "0000000001")))
    return {"FSServer": entries_of(fs_stream), "BKServer": entries_of(bk_stream)}


def test_the_lineage_follows_the_original_across_hosts_in_order():
    found = lineage(hosts(), "BKServer", "0000000002")
    assert [(e.host, e.backup_id, e.event_type) for e in found] == [
        ("FSServer", "0000000001", "BackupRecorded"),
        ("BKServer", "0000000001", "BackupImported"),
        ("BKServer", "0000000002", "BackupImported"),
        ("FSServer", "0000000003", "BackupImported")]
    assert [e.live for e in found] == [False, True, True, True]
    assert found[0].event_hash == "fs" + "0" * 61 + "1" and found[3].seq == 4


def test_another_original_is_not_part_of_the_lineage():
    assert [e.backup_id for e in lineage(hosts(), "FSServer", "0000000002")] == ["0000000002"]


def test_an_unknown_backup_id_has_no_lineage():
    assert lineage(hosts(), "FSServer", "0000000099") == []
    assert lineage(hosts(), "NoSuchHost", "0000000001") == []
