"""A command a crash interrupted (events recorded, no outcome) never reuses an event id; one
whose workflow recovery ended is not run again (the kill -9 trials are in tests/crash)."""
from __future__ import annotations

import pytest

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from events.fs_commands import RefreshDictionaryMaps
from events.maps import DictionaryMapRefreshed
from services.agent.interrupted import interrupted_in, settle
from services.agent.service import HostAgent
from tests.builders import a_command


class Died(BaseException):
    """The process dies here (not an ``Exception``: the agent does not turn it into an outcome)."""


@pytest.fixture
def store(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    return SqlEventStore(engine)


def test_a_command_with_no_workflow_runs_again_with_fresh_event_ids(store):
    runs = []

    def refresh(command, context):
        runs.append(len(runs))
        context.record([DictionaryMapRefreshed(volumes=(), reason="refresh")])
        if len(runs) == 1:
            raise Died()
        return []

    agent = HostAgent("FSServer", store, {RefreshDictionaryMaps: refresh})
    command = a_command("RefreshDictionaryMaps", "FSServer")
    with pytest.raises(Died):
        agent.handle(command)
    restarted = HostAgent("FSServer", store, {RefreshDictionaryMaps: refresh})
    assert restarted.interrupted_commands() == [command.command_id]
    outcome = restarted.handle(command)
    events = store.read("FSServer")
    assert outcome.type == "CommandCompleted" and runs == [0, 1]
    assert len({e.event_id for e in events}) == len(events) == 3
    assert restarted.interrupted_commands() == []


def test_only_commands_without_an_outcome_in_the_tail_are_candidates(store):
    agent = HostAgent("FSServer", store, {RefreshDictionaryMaps: lambda c, x: []})
    agent.handle(a_command("RefreshDictionaryMaps", "FSServer"))
    assert interrupted_in(store.read("FSServer")) == []
    assert settle([], agent.view) is None
