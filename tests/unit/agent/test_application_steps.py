"""Freeze and thaw as plan steps (issue 13): intent, port call, outcome through the one runner;
a plan that fails after a freeze thaws it; recovery thaws a freeze a dead agent left."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from adapters.storage.errors import StorageError
from events import application as app
from services.agent.application import recovery
from services.agent.plan import Freeze, Split, Thaw
from services.agent.runner import StepFailed, StepRunner
from projections.sql_view import ApplicationHold
from tests.fake_application import FakeSqlServer
from tests.unit.agent.test_runner import GROUP, ScriptedStorage


@pytest.fixture
def sql(tmp_path):
    server = FakeSqlServer()
    server.add_instance("DEFAULT", tmp_path / "sys")
    server.add_database("DEFAULT", "UserDB1", tmp_path / "G")
    return server


def a_runner(storage, application):
    recorded: list = []
    ports = SimpleNamespace(storage=storage,
                            application=lambda kind: application if kind == "sqlserver" else None)
    context = SimpleNamespace(ports=ports, record=recorded.extend, progress=lambda text: None)
    return StepRunner(context, "wf-1"), recorded


def names(recorded):
    return [type(e).__name__ for e in recorded]


def freeze_step(metadata_dir=None, timeout=300):
    return Freeze("sqlserver", "DEFAULT", ("UserDB1",), timeout, metadata_dir, "0000000001")


def test_a_freeze_split_thaw_plan_records_each_intent_and_outcome(sql, tmp_path):
    runner, recorded = a_runner(ScriptedStorage(), sql)
    runner.run_plan([freeze_step(tmp_path), Split(GROUP), Thaw("sqlserver", "DEFAULT")])
    assert names(recorded) == ["FreezeRequested", "ApplicationFrozen", "PairSplitRequested",
                               "PairSplit", "ApplicationThawed"]
    frozen = recorded[1]
    assert frozen.metadata[0].path == str(tmp_path / "0000000001_0000000005.dmp")
    assert (tmp_path / "0000000001_0000000005.dmp").stat().st_size == frozen.metadata[0].size
    assert sql.holding() == [] and runner.holds == {}


def test_a_failed_split_while_frozen_thaws_before_the_plan_fails(sql):
    runner, recorded = a_runner(ScriptedStorage("split 0"), sql)
    with pytest.raises(StepFailed) as failed:
        runner.run_plan([freeze_step(), Split(GROUP), Thaw("sqlserver", "DEFAULT")])
    assert failed.value.step == "split VG01,VOL01"
    assert names(recorded)[-1] == "ApplicationThawed" and sql.holding() == []


def test_any_exception_after_a_freeze_thaws(sql):
    class Exploding(ScriptedStorage):
        def pairsplit(self, volume, mu="", **kwargs):
            raise RuntimeError("a bug")

    runner, recorded = a_runner(Exploding(), sql)
    with pytest.raises(RuntimeError):
        runner.run_plan([freeze_step(), Split(GROUP), Thaw("sqlserver", "DEFAULT")])
    assert names(recorded)[-1] == "ApplicationThawed" and sql.holding() == []


def test_a_freeze_that_timed_out_fails_the_thaw_with_the_reason(sql):
    class Slow(ScriptedStorage):
        def pairsplit(self, volume, mu="", **kwargs):
            sql.advance(301)

    runner, recorded = a_runner(Slow(), sql)
    with pytest.raises(StepFailed) as failed:
        runner.run_plan([freeze_step(), Split(GROUP), Thaw("sqlserver", "DEFAULT")])
    assert failed.value.error.reason == "frozen-timeout"
    assert isinstance(recorded[-1], app.FreezeFailed) and recorded[-1].step == "thaw"
    assert recorded[-1].reason == "frozen-timeout"


def test_a_refused_freeze_records_its_failure_and_holds_nothing(sql):
    sql.fail_freeze = "state"
    runner, recorded = a_runner(ScriptedStorage(), sql)
    with pytest.raises(StepFailed):
        runner.run_plan([freeze_step(), Split(GROUP), Thaw("sqlserver", "DEFAULT")])
    assert names(recorded) == ["FreezeRequested", "FreezeFailed"]
    assert recorded[-1].step == "freeze" and recorded[-1].reason == "state"


def test_a_host_without_the_application_fails_the_freeze_before_recording():
    runner, recorded = a_runner(ScriptedStorage(), None)
    with pytest.raises(StepFailed) as failed:
        runner.run(freeze_step())
    assert failed.value.error.reason == "not-found" and recorded == []


def test_a_thaw_without_a_freeze_fails(sql):
    runner, _ = a_runner(ScriptedStorage(), sql)
    with pytest.raises(StepFailed):
        runner.run(Thaw("sqlserver", "DEFAULT"))


# -- recovery ------------------------------------------------------------------------------------
def a_workflow(**hold):
    held = ApplicationHold("sqlserver", "DEFAULT", ("UserDB1",), **hold)
    return SimpleNamespace(workflow_id="wf-1", kind="backup",
                           applications={"sqlserver:default": held})


def recovery_context(application):
    recorded: list = []
    ports = SimpleNamespace(application=lambda kind: application)
    return SimpleNamespace(ports=ports, record=recorded.extend), recorded


def test_recovery_thaws_a_freeze_the_instance_still_holds(sql):
    held, _ = sql.freeze("DEFAULT", ("UserDB1",), 300, None, "0000000001")
    context, recorded = recovery_context(sql)
    workflow = a_workflow(state="frozen", token=held.token, frozen_at=held.frozen_at,
                          timeout=300)
    assert recovery.thaw_left(context, workflow) == ["sqlserver DEFAULT thawed at restart"]
    assert recorded[0].how == "thawed" and sql.holding() == []
    assert recovery.is_application_backup(workflow)


@pytest.mark.parametrize("hold, port, note", [
    (dict(state="frozen", token="vdi-gone", timeout=300), True, "already released"),
    (dict(state="requested"), True, "never recorded"),
    (dict(state="frozen", token="vdi-1"), False, "no sqlserver application"),
])
def test_recovery_records_a_release_when_it_cannot_thaw(sql, hold, port, note):
    context, recorded = recovery_context(sql if port else None)
    assert recovery.thaw_left(context, a_workflow(**hold))
    assert recorded[0].how == "released" and note in recorded[0].note


@pytest.mark.parametrize("state", ["thawed", "released", "failed"])
def test_recovery_leaves_a_freeze_that_ended(sql, state):
    context, recorded = recovery_context(sql)
    assert recovery.thaw_left(context, a_workflow(state=state)) == [] and recorded == []


def test_storage_errors_are_not_application_errors(sql):
    """A storage failure during the split is the split's failure, not the freeze's."""
    runner, recorded = a_runner(ScriptedStorage("split 0"), sql)
    with pytest.raises(StepFailed) as failed:
        runner.run_plan([freeze_step(), Split(GROUP), Thaw("sqlserver", "DEFAULT")])
    assert isinstance(failed.value.error, StorageError)
    assert "PairStepFailed" in names(recorded)


@pytest.mark.parametrize("kind, states, abort", [
    ("backup", ["thawed"], False),  # every split ran while frozen: the entry is rebuilt
    ("backup", ["released"], True),  # the instance let go first: the copy is not vouched for
    ("backup", ["failed"], True),
    ("backup", ["thawed", "released"], True),
    ("backup", [], False),  # a file-system backup: its own rules
    ("restore", ["frozen"], False),
])
def test_which_application_backups_recovery_aborts(kind, states, abort):
    holds = {f"sqlserver:i{n}": ApplicationHold("sqlserver", f"i{n}", ("db",), state=state)
             for n, state in enumerate(states)}
    workflow = SimpleNamespace(kind=kind, applications=holds)
    assert recovery.needs_abort(workflow) is abort


def test_a_kind_that_cannot_rebuild_its_entry_is_aborted():
    holds = {"postgresql:main": ApplicationHold("postgresql", "main", ("db",), state="thawed")}
    assert recovery.needs_abort(SimpleNamespace(kind="backup", applications=holds))
