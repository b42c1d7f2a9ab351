"""The agent core, with a real SQLite store and a fake of the host-facts adapter."""
from __future__ import annotations

import pytest

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from events.codec import decode_command
from events.fs_commands import RefreshDictionaryMaps
from events.host_commands import HostInfo
from events.registry import EventSchemaError
from services.agent.handlers import COMMAND_HANDLERS
from services.agent.errors import CommandFailure, CommandRejection
from services.agent.ports import AgentPorts
from services.agent.service import HostAgent
from tests.agent_fakes import FixedHostFacts
from tests.builders import a_command


@pytest.fixture
def store(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    return SqlEventStore(engine)


def an_agent(store, handlers=None, host="FSServer"):
    return HostAgent(host, store, handlers or COMMAND_HANDLERS,
                     AgentPorts(host_facts=FixedHostFacts()))


class TestHostInfo:
    def test_records_the_host_information_as_the_outcome(self, store):
        outcome = an_agent(store).handle(a_command("HostInfo", "FSServer"))
        assert outcome.type == "CommandCompleted" and outcome.seq == 1
        result = outcome.payload["result"]
        assert result["hostname"] == "FSServer" and result["node"] == "node-1"
        assert result["stream_head_seq"] == 0
        assert store.read("FSServer") == [outcome]

    def test_outcome_carries_the_command_identity(self, store):
        command = a_command("HostInfo", "FSServer")
        outcome = an_agent(store).handle(command)
        assert outcome.command_id == command.command_id
        assert outcome.correlation_id == command.command_id
        assert outcome.principal == command.principal


class TestEveryCommandEndsInOneOutcome:
    def test_redelivered_command_returns_the_recorded_outcome_without_new_events(self, store):
        agent = an_agent(store)
        command = a_command("HostInfo", "FSServer")
        first = agent.handle(command)
        again = agent.handle(command)
        assert again == first and len(store.read("FSServer")) == 1

    def test_unknown_command_is_refused_before_it_reaches_the_agent(self):
        wire = a_command("HostInfo", "FSServer").model_dump(mode="json")
        wire["command"] = {"name": "Teleport"}
        with pytest.raises(EventSchemaError, match="Teleport"):
            decode_command(wire)

    def test_command_for_another_host_is_rejected(self, store):
        outcome = an_agent(store).handle(a_command("HostInfo", "BKServer"))
        assert outcome.type == "CommandRejected" and "BKServer" in outcome.payload["text"]

    def test_handler_rejection_and_failure_become_outcomes(self, store):
        def refuse(command, context):
            raise CommandRejection("KAVX0024-E", "The specified backup data does not exist.")

        def break_down(command, context):
            raise CommandFailure("KAVX0006-E", "split failed")

        agent = an_agent(store, {HostInfo: refuse, RefreshDictionaryMaps: break_down})
        assert agent.handle(a_command("HostInfo", "FSServer")).type == "CommandRejected"
        failed = agent.handle(a_command("RefreshDictionaryMaps", "FSServer"))
        assert failed.type == "CommandFailed" and failed.payload["text"] == "split failed"

    def test_unexpected_exception_is_recorded_as_failure(self, store):
        def crash(command, context):
            raise ZeroDivisionError("boom")

        outcome = an_agent(store, {HostInfo: crash}).handle(a_command("HostInfo", "FSServer"))
        assert outcome.type == "CommandFailed" and "ZeroDivisionError" in outcome.payload["text"]

    def test_completion_is_added_when_a_handler_returns_no_outcome(self, store):
        agent = an_agent(store, {HostInfo: lambda command, context: []})
        outcome = agent.handle(a_command("HostInfo", "FSServer"))
        assert outcome.type == "CommandCompleted" and outcome.payload["command"] == "HostInfo"
