"""A forged SQL Server or PostgreSQL event that passes its payload model (one field replaced by
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
from tests.unit.projections.test_host_fold_areas import sql_backup_events
from tests.unit.sql_restore.stream import sql_restore_events

STREAMS = {"pg": pg_stream(), "sql": sql_backup_events() + sql_restore_events()}
NEW_EVENT_MODULES = ("events.sqlserver", "events.sql_logs", "events.sql_restore",
                     "events.postgres", "events.application")  # the file-system events: not here
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
