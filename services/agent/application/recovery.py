"""Recovery of application freezes at agent start (issue 13; DESIGN §5).

A workflow that asked an instance to freeze and has no thaw on record (the agent died between
``FreezeRequested`` and ``ApplicationThawed``/``FreezeFailed``) gets one now, before anything
else of it is settled: the instance must not keep its writes waiting. The thaw is recorded as
``ApplicationThawed``: ``how="thawed"`` when the instance still held the freeze and released it
now, ``how="released"`` (with a ``note``) when it had let go by itself (its timeout, or the
client that asked went away), when the freeze's outcome was never recorded (no token to thaw
by), or when the host has no such application any more. Either way no hold is left open.

An application backup interrupted this way is aborted, never recorded from its request alone:
its entry needs the metadata and the database details only the running workflow had.
"""
from __future__ import annotations

from events import application as app
from services.agent.application_port import ApplicationError, Freeze


def thaw_left(context, workflow) -> list[str]:
    """Thaw every hold ``workflow`` still has; the problems found (for the abort's reason)."""
    problems = []
    for hold in workflow.applications.values():
        if not hold.holding:
            continue
        how, note = "released", ""
        port = context.ports.application(hold.kind)
        if port is None:
            note = f"this host has no {hold.kind} application now"
        elif not hold.token:
            note = ("the freeze's outcome was never recorded; the instance releases a freeze "
                    "whose client went away")
        else:
            try:
                port.thaw(Freeze(hold.token, hold.instance, tuple(hold.databases),
                                 hold.frozen_at, hold.timeout))
                how = "thawed"
            except ApplicationError as error:
                note = f"the instance had already released it: {error}"
        context.record([app.ApplicationThawed(
            workflow_id=workflow.workflow_id, kind=hold.kind, instance=hold.instance,
            databases=tuple(hold.databases), how=how, note=note[:2048])])
        problems.append(f"{hold.kind} {hold.instance} {'thawed' if how == 'thawed' else 'released'}"
                        f" at restart")
    return problems


def needs_abort(workflow) -> bool:
    """An application backup cannot be recorded by recovery (see the module docstring)."""
    return workflow.kind == "backup" and bool(workflow.applications)
