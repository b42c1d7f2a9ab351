"""A command a crash interrupted (events recorded, no outcome) never reuses an event id; one
whose workflow recovery ended is not run again (the kill -9 trials are in tests/crash)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from events.fs_commands import RefreshDictionaryMaps
from events.maps import DictionaryMapRefreshed
from events.outcomes import CommandCompleted, CommandFailed
from projections.host_view import CopyGroupState, EndedWorkflow, HostView, Workflow
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


# -- the rules of ``settle``, on hand-made views ------------------------------------------------
def event(type_: str, **payload):
    return SimpleNamespace(type=type_, payload=payload, command_id="c-1")


BACKUP = event("BackupRequested", workflow_id="w-1", backup_id="0000000004", mode="ONLINE",
               instances=["/mnt/fs1"], generation="local_0", copy_groups=["VG01,VOL01"])


def a_view(workflow_ended: str | None = None) -> HostView:
    view = HostView("FSServer")
    if workflow_ended:  # as the fold leaves an ended workflow: how it ended, nothing else
        view.ended_workflows["w-1"] = EndedWorkflow(workflow_ended, "backup", "0000000004", 1)
    elif workflow_ended is not None:
        view.workflows["w-1"] = Workflow("w-1", "backup", "0000000004", ("VG01,VOL01",),
                                         ("/mnt/fs1",), 1)
    return view


def test_a_backup_recovery_completed_answers_completed_with_what_it_superseded():
    superseded = event("BackupEntryDeleted", backup_id="0000000001", reason="superseded",
                       by_backup_id="0000000004")
    outcome = settle([BACKUP, superseded], a_view("completed"))
    assert outcome.command == "BackupFileSystem" and outcome.result["backup_id"] == "0000000004"
    assert outcome.result["superseded"] == ["0000000001"]


def test_a_backup_recovery_aborted_answers_failed():
    outcome = settle([BACKUP], a_view("aborted"))
    assert isinstance(outcome, CommandFailed) and "restarted" in outcome.text


def test_a_workflow_recovery_has_not_ended_is_not_settled_yet():
    assert settle([BACKUP], a_view("")) is None


def test_an_import_whose_mount_recovery_undid_fails():
    imported = event("BackupImported", backup_id="0000000002", original_id="0000000001",
                     origin_host="FSServer", source_host="FSServer",
                     source_backup_id="0000000001", copy_groups=["VG01,VOL01"])
    mount = event("SvolMountRequested", workflow_id="w-1", copy_group="VG01,VOL01",
                  mount_point="/mnt/svol", backup_id="0000000002", writable=False)
    view = a_view()
    assert isinstance(settle([imported, mount], view), CommandFailed)
    view.copy_groups["VG01,VOL01"] = CopyGroupState("VG01,VOL01", mounted_at="/mnt/svol")
    done = settle([imported, mount], view)
    assert isinstance(done, CommandCompleted) and done.command == "ImportBackup"
    assert done.result["mount"]["mounts"][0]["mount_point"] == "/mnt/svol"


def test_a_tape_copy_recovery_aborted_answers_failed():
    request = event("MediaCopyRequested", workflow_id="w-1", kind="backup",
                    source_backup_id="0000000001", backup_id="0000000002",
                    copy_groups=["VG01,VOL01"])
    outcome = settle([request], a_view())
    assert isinstance(outcome, CommandFailed) and outcome.command == "BackupToTape"
