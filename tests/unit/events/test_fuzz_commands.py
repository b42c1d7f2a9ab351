"""Fuzzing the agent's command decoding (issue 15, point 6): any body ends in a command within
``events.limits`` or an ``EventSchemaError`` naming the field, never another exception (which
would stop the agent's worker)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import CommandEnvelope
from events.catalogue import CATALOGUE
from events.host_commands import HostInfo
from events.codec import decode_command
from events.limits import COMMAND_NAME_MAX, HOST_MAX, PRINCIPAL_MAX
from events.registry import EventSchemaError
from tests.fuzzing import EXTREME_TEXT, EXTREME_VALUES, JSON_VALUES, encode, examples

VALID = json.loads(CommandEnvelope(
    command=HostInfo(), target_host="FSServer", principal="admin@console",
    issued_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    reply_to="amq.rabbitmq.reply-to").model_dump_json())


@st.composite
def mutated_commands(draw) -> bytes:
    body = dict(VALID)
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            body[draw(st.sampled_from(sorted(VALID) + ["extra"]))] = draw(EXTREME_VALUES)
        else:  # the typed command: another name, or an extreme argument
            body["command"] = {"name": draw(st.sampled_from(COMMAND_NAMES) | EXTREME_TEXT),
                               draw(EXTREME_TEXT): draw(EXTREME_VALUES)}
    return encode(body)


COMMAND_NAMES = sorted(CATALOGUE.names())
BODIES = st.one_of(st.binary(max_size=200), st.builds(encode, JSON_VALUES), JSON_VALUES,
                   mutated_commands(), mutated_commands())


@settings(max_examples=examples(500), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(BODIES)
def test_any_body_is_a_command_within_limits_or_a_clear_refusal(body):
    try:
        command = decode_command(body)
    except EventSchemaError as error:
        assert "field " in str(error)
        return
    assert command.name in COMMAND_NAMES and len(command.name) <= COMMAND_NAME_MAX
    assert 0 < len(command.target_host) <= HOST_MAX and command.target_host.isprintable()
    assert len(command.principal) <= PRINCIPAL_MAX and command.principal.isprintable()
