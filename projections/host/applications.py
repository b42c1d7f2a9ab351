"""Application area (issue 13): the freezes a workflow holds (``Workflow.applications``).

``FreezeRequested`` opens a hold (and the step ``freeze:<kind>:<instance>``), its outcome
``ApplicationFrozen`` keeps the token recovery needs to thaw it, ``ApplicationThawed`` and
``FreezeFailed`` end it. A hold still ``holding`` on an unfinished workflow is what
``services.agent.application.recovery`` thaws at agent start.
"""
from __future__ import annotations

from events import application as app
from projections.host.area import AreaFold
from projections.host.common import close_step, open_step
from projections.host_view import HostView
from projections.sql_view import ApplicationHold

fold = AreaFold("applications")


def hold_key(kind: str, instance: str) -> str:
    return f"{kind}:{instance.lower()}"


def _hold(view: HostView, workflow_id: str, kind: str, instance: str) -> ApplicationHold | None:
    workflow = view.workflows.get(workflow_id)
    return None if workflow is None else workflow.applications.get(hold_key(kind, instance))


@fold.on(app.FreezeRequested)
def freeze_requested(view: HostView, event: app.FreezeRequested, seq: int) -> None:
    workflow = view.workflows.get(event.workflow_id)
    if workflow is None:
        return
    key = hold_key(event.kind, event.instance)
    workflow.applications[key] = ApplicationHold(event.kind, event.instance,
                                                 tuple(event.databases), timeout=event.timeout)
    open_step(view, event.workflow_id, f"freeze:{key}", "FreezeRequested")


@fold.on(app.ApplicationFrozen)
def frozen(view: HostView, event: app.ApplicationFrozen, seq: int) -> None:
    close_step(view, event.workflow_id, f"freeze:{hold_key(event.kind, event.instance)}")
    hold = _hold(view, event.workflow_id, event.kind, event.instance)
    if hold is not None:
        hold.state, hold.token = "frozen", event.token
        hold.frozen_at, hold.timeout = event.frozen_at, event.timeout


@fold.on(app.ApplicationThawed)
def thawed(view: HostView, event: app.ApplicationThawed, seq: int) -> None:
    close_step(view, event.workflow_id, f"freeze:{hold_key(event.kind, event.instance)}")
    hold = _hold(view, event.workflow_id, event.kind, event.instance)
    if hold is not None:
        hold.state = event.how


@fold.on(app.FreezeFailed)
def freeze_failed(view: HostView, event: app.FreezeFailed, seq: int) -> None:
    close_step(view, event.workflow_id, f"freeze:{hold_key(event.kind, event.instance)}")
    hold = _hold(view, event.workflow_id, event.kind, event.instance)
    if hold is not None:
        hold.state = "failed"
