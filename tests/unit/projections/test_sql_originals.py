"""``view.sql.originals`` is pruned by the fold: an original's SQL details stay while a catalog
entry, a tape entry or a media copy in progress can still ask for them, and go with the last
of these; a replay (and a snapshot) gives the same view."""
from __future__ import annotations

from datetime import timedelta

from events import filesystem as fs
from events import sqlserver as sql
from events import tape
from events import transfer
from projections.host_fold import HOST_FOLD, fold
from projections.host_snapshot import decode, encode
from tests.unit.agent_fs.views import HOST, MP, T0, envelopes

GROUP = "VG01,VOL01"
DB = sql.SqlDatabaseRecord(name="UserDB1", database_id=5, files=(sql.SqlFileRecord(
    path=f"{MP}/UserDB1.mdf", kind="data", mount_point=MP, device="410001:256",
    copy_groups=(GROUP,)),))


def sql_entry(backup_id: str, original_id: str = "", **lineage) -> list:
    """A SQL Server catalog entry and its details (an import when ``lineage`` is given)."""
    model = transfer.BackupImported if lineage else fs.BackupRecorded
    entry = model(backup_id=backup_id, original_id=original_id or backup_id, origin_host=HOST,
                  mode="ONLINE", object_type="MSSQL", instances=("DEFAULT",), rows=(),
                  generation="local_0", copy_groups=(GROUP,), started_at=T0,
                  ended_at=T0 + timedelta(minutes=1), **lineage)
    details = sql.SqlBackupDetails(backup_id=backup_id, instance="DEFAULT", databases=(DB,),
                                   original_id=original_id)
    return [entry, details]


def deleted(backup_id: str, reason: str = "superseded") -> fs.BackupEntryDeleted:
    return fs.BackupEntryDeleted(backup_id=backup_id, reason=reason, copy_groups=(GROUP,))


def to_tape(workflow: str, source: str, backup_id: str, original_id: str) -> list:
    return [tape.MediaCopyRequested(workflow_id=workflow, kind="backup", source_backup_id=source,
                                    backup_id=backup_id, copy_groups=(GROUP,)),
            tape.TapeBackupRecorded(
                backup_id=backup_id, original_id=original_id, origin_host=HOST,
                source_backup_id=source, object_type="MSSQL", mode="ONLINE",
                instances=("DEFAULT",), rows=(), generation="local_0", copy_groups=(GROUP,),
                snapshot_at=T0, recorded_at=T0, expires_at=T0 + timedelta(days=10),
                archives=(), workflow_id=workflow)]


def view_of(events: list):
    return fold(HOST, envelopes(events))


def test_a_superseded_backups_original_goes_with_its_entry():
    events = [*sql_entry("0000000001"), *sql_entry("0000000002"), deleted("0000000001")]
    assert list(view_of(events).sql.originals) == ["0000000002"]
    events += [*sql_entry("0000000003"), deleted("0000000002", "deleted"), deleted("0000000003")]
    view = view_of(events)
    assert view.sql.originals == {} and view.sql.backups == {}


IMPORT = dict(source_host="BK", source_backup_id="0000000009", source_event_seq=3,
              source_event_hash="0" * 64, document_sha256="0" * 64)


def test_an_entry_of_the_same_data_keeps_the_original():
    """Imported back under another ID without details of its own, the entry still finds the
    original's; they go with the last entry of that data."""
    [imported, _] = sql_entry("0000000002", "0000000001", **IMPORT)
    events = [*sql_entry("0000000001"), imported, deleted("0000000001")]
    view = view_of(events)
    assert view.sql.for_entry(view.catalog["0000000002"], HOST).backup_id == "0000000001"
    assert view_of(events + [deleted("0000000002")]).sql.originals == {}


def test_a_tape_entry_keeps_the_original_until_it_goes():
    events = [*sql_entry("0000000001"), *to_tape("w-t", "0000000001", "0000000002",
                                                "0000000001"), deleted("0000000001")]
    view = view_of(events)
    assert list(view.sql.originals) == ["0000000001"] and view.sql.backups == {}
    events.append(tape.TapeEntryDeleted(backup_id="0000000002", reason="expired"))
    assert view_of(events).sql.originals == {}


def test_a_media_copy_in_progress_keeps_its_sources_original_until_it_ends():
    [request, _] = to_tape("w-t", "0000000001", "0000000002", "0000000001")
    events = [*sql_entry("0000000001"), request, deleted("0000000001")]
    assert list(view_of(events).sql.originals) == ["0000000001"]
    events.append(tape.MediaCopyAborted(workflow_id="w-t", backup_id="0000000002", reason="x"))
    assert view_of(events).sql.originals == {}


def test_replay_and_snapshot_give_the_same_pruned_view():
    events = [*sql_entry("0000000001"), *to_tape("w-t", "0000000001", "0000000002",
                                                "0000000001"), deleted("0000000001"),
              *sql_entry("0000000003"), deleted("0000000003"),
              tape.TapeEntryDeleted(backup_id="0000000002", reason="deleted")]
    whole = view_of(events)
    resumed = view_of(events[:5])
    _, resumed = decode(encode(resumed, "0" * 64))
    for envelope in envelopes(events[5:], first_seq=6):
        HOST_FOLD.apply_raw(resumed, envelope.seq, envelope.type, envelope.version,
                            envelope.payload)
    assert resumed == whole and whole.sql.originals == {}
