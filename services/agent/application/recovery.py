"""Recovery of application freezes at agent start (issue 13; DESIGN §5).

A workflow that asked an instance to freeze and has no thaw on record (the agent died between
``FreezeRequested`` and ``ApplicationThawed``/``FreezeFailed``) gets one now, before anything
else of it is settled: the instance must not keep its writes waiting. The thaw is recorded as
``ApplicationThawed``: ``how="thawed"`` when the instance still held the freeze and released it
now, ``how="released"`` (with a ``note``) when it had let go by itself (its timeout, or the
client that asked went away), when the freeze's outcome was never recorded (no token to thaw
by), or when the host has no such application any more. Either way no hold is left open.

An application backup whose every split happened is recorded only when each of its freezes
ended in a thaw in time (``thawed``: then every split ran while frozen) and its application
kind rebuilds the entry from the workflow's events (``REBUILDERS``); otherwise it is aborted.
"""
from __future__ import annotations

from typing import Callable

from events import application as app
from services.agent.application_port import ApplicationError, Freeze
from services.agent.sqlserver.recovery import recovered_entry as sqlserver_entry

REBUILDERS: dict[str, Callable] = {"sqlserver": sqlserver_entry}
"""Application kind -> ``rebuild(context, workflow)``: the entry's events, or None."""


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


def is_application_backup(workflow) -> bool:
    return workflow.kind == "backup" and bool(workflow.applications)


def needs_abort(workflow) -> bool:
    """An application backup recovery cannot complete whatever its splits: a freeze that did
    not end in a thaw in time, or an application that cannot rebuild its entry."""
    if not is_application_backup(workflow):
        return False
    holds = list(workflow.applications.values())
    kinds = {h.kind for h in holds}
    return (len(kinds) != 1 or kinds.pop() not in REBUILDERS
            or any(h.state != "thawed" for h in holds))


def entry_events(context, workflow) -> list | None:
    """The entry recovery records for an application backup whose splits all happened, or
    None: abort it (see the module docstring)."""
    holds = list(workflow.applications.values())
    kinds = {h.kind for h in holds}
    if not holds or len(kinds) != 1 or any(h.state != "thawed" for h in holds):
        return None
    rebuild = REBUILDERS.get(kinds.pop())
    return rebuild(context, workflow) if rebuild is not None else None
