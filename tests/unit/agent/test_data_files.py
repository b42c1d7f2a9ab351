"""``SetUpDataFiles`` (drmdbsetup -i) and ``ShowDataFiles`` (drmfsdisplay -v) on a real store."""
from __future__ import annotations

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from services.agent.handlers import COMMAND_HANDLERS, QUERY_HANDLERS
from services.agent.service import HostAgent
from tests.builders import a_command


def an_agent(tmp_path) -> tuple[HostAgent, SqlEventStore]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hosts' / 'FSServer' / 'events.db'}")
    upgrade(engine)
    store = SqlEventStore(engine)
    return HostAgent("FSServer", store, COMMAND_HANDLERS, {}, queries=QUERY_HANDLERS), store


def test_set_up_records_where_the_data_files_are(tmp_path):
    (tmp_path / "hosts" / "FSServer").mkdir(parents=True)
    agent, store = an_agent(tmp_path)
    outcome = agent.handle(a_command("SetUpDataFiles"))
    assert outcome.type == "CommandCompleted" and outcome.payload["command"] == "SetUpDataFiles"
    assert outcome.payload["result"] == {"db_path": str((tmp_path / "hosts" / "FSServer")
                                                        .resolve()), "store": "sqlite"}
    assert store.read("FSServer") == [outcome]


def test_show_answers_the_same_place_and_records_nothing(tmp_path):
    (tmp_path / "hosts" / "FSServer").mkdir(parents=True)
    agent, store = an_agent(tmp_path)
    answer = agent.handle(a_command("ShowDataFiles"))
    assert answer.result["db_path"] == str((tmp_path / "hosts" / "FSServer").resolve())
    assert store.read("FSServer") == []


def test_a_database_store_is_named_by_its_url_without_password(tmp_path):
    from services.agent.data_files import data_files

    class Context:
        class store:  # noqa: N801 - the one attribute the handler reads
            engine = make_engine("postgresql+psycopg://drm:secret@db.example:5432/drm")

    found = data_files(Context)
    assert found == {"db_path": "postgresql+psycopg://drm:***@db.example:5432/drm",
                     "store": "postgresql"}
