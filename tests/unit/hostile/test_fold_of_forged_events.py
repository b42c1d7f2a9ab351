"""A forged file-system, tape, SQL Server or PostgreSQL event that passes its payload model (one field replaced by
an extreme value) folds like any other: the host view never raises on it, so a stored forged
event cannot stop an agent's rebuild nor a consumer."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from events import REGISTRY
from events.registry import EventSchemaError
from projections.host_fold import fold
from tests.fuzzing import EXTREME_VALUES, examples
from tests.unit.agent_fs.views import HOST, envelopes
from tests.unit.postgres.streams import pg_stream
from tests.unit.projections.test_host_fold_areas import every_kind_of_event, sql_backup_events
from tests.unit.sql_restore.stream import sql_restore_events

STREAMS = {"pg": pg_stream(), "sql": sql_backup_events() + sql_restore_events(),
           "every kind": every_kind_of_event()}
NEW_EVENT_MODULES = ("events.sqlserver", "events.sql_logs", "events.sql_restore",
                     "events.postgres", "events.application", "events.filesystem",
                     "events.tape")
EXTRA = st.sampled_from([2 ** 31, 2 ** 63, -1, 0, "", "x" * 300, "0000000000", "9999999999",
                         "../x", "FFFFFFFF/FFFFFFFF", "000000000000000000000000", [], {}])


@st.composite
def forged_streams(draw) -> list:
    """A genuine stream's payloads with one field of one event replaced, each validated by
    its model as the decoder does (``None`` when the model refuses the forgery)."""
    genuine = STREAMS[draw(st.sampled_from(sorted(STREAMS)))]
    index = draw(st.sampled_from([n for n, event in enumerate(genuine)
                                  if type(event).__module__ in NEW_EVENT_MODULES]))
    data = genuine[index].model_dump(mode="json")
    if data:
        data[draw(st.sampled_from(sorted(data)))] = draw(st.one_of(EXTREME_VALUES, EXTRA))
    name = REGISTRY.draft_type(type(genuine[index]))
    try:
        forged = REGISTRY.load_payload(name, REGISTRY.current_version(name), data)
    except EventSchemaError:
        return None
    return [*genuine[:index], forged, *genuine[index + 1:]]


@settings(max_examples=examples(300), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(forged_streams())
def test_a_forged_event_that_passes_its_model_folds_without_raising(stream):
    if stream is not None:
        fold(HOST, envelopes(stream))


def test_sql_backup_details_with_a_backup_id_not_of_ten_digits_is_refused():
    """Hostile finding: ``SqlBackupDetails`` took any 1..32 characters, and the fold of a
    template's details read the ID as a number (``int(':')`` raised in the fold)."""
    import pytest

    details = next(e for e in STREAMS["sql"] if type(e).__name__ == "SqlBackupDetails")
    for bad in (":", "12", "\u0661" * 10, "00000000001"):
        data = {**details.model_dump(mode="json"), "backup_id": bad, "template": True}
        with pytest.raises(EventSchemaError):
            REGISTRY.load_payload("SqlBackupDetails", REGISTRY.current_version(
                "SqlBackupDetails"), data)


BACKUP_ID_FIELDS = {  # every backup ID of the file-system and tape events, which the fold reads
    "BackupRequested": ("backup_id",), "BackupAborted": ("backup_id",),
    "RestoreRequested": ("backup_id",), "RestoreCompleted": ("backup_id",),
    "RestoreAborted": ("backup_id",), "BackupRecorded": ("backup_id", "original_id"),
    "BackupEntryDeleted": ("backup_id", "by_backup_id"), "CopyGroupLocked": ("backup_id",),
    "MediaCopyRequested": ("backup_id", "source_backup_id"), "MediaCopyAborted": ("backup_id",),
    "TapeBackupRecorded": ("backup_id", "original_id", "source_backup_id"),
    "TapeEntryDeleted": ("backup_id",), "SvolMountRequested": ("backup_id",),
    "SvolMounted": ("backup_id",)}


def _genuine(name: str) -> dict:
    event = next(e for e in every_kind_of_event() if REGISTRY.draft_type(type(e)) == name)
    return event.model_dump(mode="json")


def test_file_system_and_tape_events_refuse_a_backup_id_not_of_ten_ascii_digits():
    """Hostile finding: the file-system events took any text as a backup ID, and the fold read
    it with ``int()`` (``int(':')`` raised, ``"\u0661" * 10`` read as a number)."""
    import pytest

    for name, fields in BACKUP_ID_FIELDS.items():
        data, version = _genuine(name), REGISTRY.current_version(name)
        for field in fields:
            for bad in (":", "12", "\u0661" * 10, "\uff10" * 10, "00000000001", " 0000000001"):
                with pytest.raises(EventSchemaError, match=field):
                    REGISTRY.load_payload(name, version, {**data, field: bad})
            REGISTRY.load_payload(name, version, {**data, field: "0000000042"})


OPTIONAL = {("BackupEntryDeleted", "by_backup_id"), ("CopyGroupLocked", "backup_id"),
            ("SvolMountRequested", "backup_id"), ("SvolMounted", "backup_id")}  # "": none


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from(sorted(BACKUP_ID_FIELDS)), st.data())
def test_a_backup_id_decodes_exactly_when_it_is_ten_ascii_digits(name, data):
    """Old stored events still decode: every ID the product wrote is 10 digits."""
    field = data.draw(st.sampled_from(BACKUP_ID_FIELDS[name]))
    value = data.draw(st.one_of(st.text(max_size=12), st.from_regex(r"[0-9]{10}", fullmatch=True),
                                st.sampled_from(["0000000001\n", "\u0661" * 10, ""])))
    ok = len(value) == 10 and value.isascii() and value.isdigit() \
        or value == "" and (name, field) in OPTIONAL
    try:
        REGISTRY.load_payload(name, REGISTRY.current_version(name), {**_genuine(name), field: value})
    except EventSchemaError:
        assert not ok
    else:
        assert ok
