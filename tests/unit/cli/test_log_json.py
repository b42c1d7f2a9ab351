"""``drm log --json`` prints one compact JSON object per line, one line per event (its help
says so), so the output can be read line by line (``jq -c``, ``while read``)."""
from __future__ import annotations

import json

from events import seal
from events.canonical import GENESIS_HASH
from services.cli.log import _print_events
from tests.builders import a_context, completed_drafts


def test_each_event_is_one_line_of_json_with_every_wire_field(capsys):
    events = seal("FSServer", 0, GENESIS_HASH, completed_drafts(3), a_context())
    _print_events(events, as_json=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    decoded = [json.loads(line) for line in lines]
    assert [d["seq"] for d in decoded] == [1, 2, 3]
    assert decoded == [json.loads(json.dumps(e.to_wire(), default=str)) for e in events]


def test_no_events_print_nothing(capsys):
    _print_events([], as_json=True)
    assert capsys.readouterr().out == ""
