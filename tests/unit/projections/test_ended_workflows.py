"""An ended workflow leaves the view's ``workflows`` for a compact ``EndedWorkflow`` (an agent
snapshot holds one per backup ever taken); a step opened on it later (an import sent after
its backup) brings it back, still ended, until that step closes."""
from __future__ import annotations

from projections.host.common import close_step, end_workflow, open_step
from projections.host_view import EndedWorkflow, HostView, Workflow


def a_view_with_a_backup() -> HostView:
    view = HostView("FS1")
    view.workflows["w"] = Workflow("w", "backup", "0000000003", ("VG01,VOL01",), ("/mnt",), 7)
    open_step(view, "w", "split:VG01,VOL01", "PairSplitRequested")
    return view


def test_an_ended_workflow_keeps_how_it_ended_and_where_it_started():
    view = a_view_with_a_backup()
    assert view.how_ended("w") == "" and view.unfinished_workflows()
    end_workflow(view, "w", "completed")
    assert "w" not in view.workflows and not view.unfinished_workflows()
    assert view.ended_workflows == {"w": EndedWorkflow("completed", "backup", "0000000003", 7)}
    assert view.how_ended("w") == "completed" and view.how_ended("other") == ""


def test_a_step_opened_after_the_end_brings_it_back_until_it_closes():
    view = a_view_with_a_backup()
    end_workflow(view, "w", "aborted")
    open_step(view, "w", "import:c-1", "ImportRequested")
    back = view.workflows["w"]
    assert back.open_steps == {"import:c-1": "ImportRequested"} and back.started_seq == 7
    assert back.ended == "aborted" and "w" not in view.ended_workflows
    assert view.how_ended("w") == "aborted" and not view.unfinished_workflows()
    close_step(view, "w", "import:c-1")
    assert "w" not in view.workflows and view.ended_workflows["w"].how == "aborted"


def test_an_unknown_workflow_is_not_invented():
    view = HostView("FS1")
    open_step(view, "nobody", "import:c-1", "ImportRequested")
    end_workflow(view, "nobody", "completed")
    assert view.workflows == {} and view.ended_workflows == {}
