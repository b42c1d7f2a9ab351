"""The field limits of ``events.limits``: in step with the columns that store the fields, and
enforced by the command envelope with an error naming the field."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from adapters.event_store.tables import events as store_events
from adapters.reporting.tables import report_commands, report_events
from events import limits
from events.codec import decode_command
from events.registry import EventSchemaError


@pytest.mark.parametrize("limit, column", [
    (limits.HOST_MAX, report_events.c.host), (limits.HOST_MAX, store_events.c.host),
    (limits.HOST_MAX, report_events.c.origin_host),
    (limits.PRINCIPAL_MAX, report_events.c.principal),
    (limits.PRINCIPAL_MAX, report_commands.c.principal),
    (limits.PRINCIPAL_MAX, store_events.c.principal),
    (limits.TYPE_MAX, report_events.c.type), (limits.TYPE_MAX, store_events.c.type),
    (limits.BACKUP_ID_MAX, report_events.c.backup_id),
    (limits.BACKUP_ID_MAX, report_events.c.original_id),
    (limits.COMMAND_NAME_MAX, report_commands.c.command),
    (limits.MESSAGE_ID_MAX, report_commands.c.message_id),
], ids=lambda value: getattr(value, "name", str(value)))
def test_a_limit_is_the_length_of_the_column_that_stores_the_field(limit, column):
    assert column.type.length == limit


def test_seq_fits_a_bigint_and_version_is_small():
    assert limits.SEQ_MAX == 2 ** 63 - 1 < 2 ** 63
    assert 1 <= limits.VERSION_MAX < 2 ** 31


def a_command(**fields) -> dict:
    return {"command": {"name": "HostInfo"}, "target_host": "FSServer",
            "principal": "admin@console",
            "issued_at": datetime(2026, 1, 1, tzinfo=timezone.utc).isoformat(), **fields}


@pytest.mark.parametrize("field, value", [
    ("principal", "op\u0000"), ("principal", "p" * 256), ("command", {"name": "C" * 129}),
    ("command", {"name": "Host\u0000Info"}), ("target_host", "h" * 256),
    ("target_host", "FS\u0007"),
    ("reply_to", "q" * 256), ("reply_to", "amq.\u0000"),
])
def test_a_command_out_of_limits_is_refused_naming_its_field(field, value):
    with pytest.raises(EventSchemaError) as refused:
        decode_command(a_command(**{field: value}))
    assert f"command.{field}" in str(refused.value)


def test_a_command_within_limits_is_accepted():
    command = decode_command(a_command(principal="p" * 255, target_host="h" * 255))
    assert command.principal == "p" * 255


@pytest.mark.parametrize("value, problem", [
    ("ok", None), ("x" * 33, "longer than 32 characters"),
    ("a\u0000", "holds a NUL, control or other non-printable character"),
])
def test_identifier_problem_names_what_is_wrong(value, problem):
    assert limits.identifier_problem(value, 32) == problem


def test_safe_text_escapes_what_a_column_cannot_take_and_stays_short():
    assert limits.safe_text("a\u0000b") == "a\\x00b"
    assert len(limits.safe_text("x" * 5000)) == 2000
