"""Pair area: what the CCI pair commands (``events.pairs``) say of each copy group's status.

Splits and resyncs use the copy-group area's mutators (``projections.host.copy_groups``); this
area folds the other outcomes, the observed changes and the no-operations: each sets the copy
group's status to the one the array showed. Intents open a step on a known workflow only (a
CCI command is not a workflow of the view).
"""
from __future__ import annotations

from events import pairs as ev
from projections.host.area import AreaFold
from projections.host.common import close_step, open_step
from projections.host_view import HostView

fold = AreaFold("pairs")


def _status(view: HostView, copy_group: str, status: str) -> None:
    """Set a copy group's status; a cascaded volume without a pair of the lab (``-FBC``,
    named ``<volume>/MU#<n>``) is no copy group and is left out."""
    if "/" not in copy_group:
        view.copy_group(copy_group).status = status


for _intent, _key in ((ev.PairCreateRequested, "create"), (ev.PairDeleteRequested, "delete"),
                      (ev.PairSuspendRequested, "suspend"),
                      (ev.PairTakeoverRequested, "takeover")):
    fold.on(_intent, lambda view, event, seq, key=_key, kind=_intent.__name__: open_step(
        view, event.workflow_id, f"{key}:{event.copy_group}", kind))


@fold.on(ev.PairCreated)
def created(view: HostView, event: ev.PairCreated, seq: int) -> None:
    close_step(view, event.workflow_id, f"create:{event.copy_group}")
    _status(view, event.copy_group, event.status)


@fold.on(ev.PairDeleted)
def deleted(view: HostView, event: ev.PairDeleted, seq: int) -> None:
    close_step(view, event.workflow_id, f"delete:{event.copy_group}")
    _status(view, event.copy_group, event.status)


@fold.on(ev.PairSuspended)
def suspended(view: HostView, event: ev.PairSuspended, seq: int) -> None:
    close_step(view, event.workflow_id, f"suspend:{event.copy_group}")
    _status(view, event.copy_group, event.status)


@fold.on(ev.PairTakenOver)
def taken_over(view: HostView, event: ev.PairTakenOver, seq: int) -> None:
    close_step(view, event.workflow_id, f"takeover:{event.copy_group}")
    _status(view, event.copy_group, event.status)


@fold.on(ev.PairWaitRequested)
def wait_requested(view: HostView, event: ev.PairWaitRequested, seq: int) -> None:
    return None  # a wait changes nothing; its end says what the pairs showed


@fold.on(ev.PairWaitEnded)
def wait_ended(view: HostView, event: ev.PairWaitEnded, seq: int) -> None:
    for copy_group, status in dict(event.statuses).items():
        _status(view, copy_group, status)


@fold.on(ev.PairNoOperation)
def no_operation(view: HostView, event: ev.PairNoOperation, seq: int) -> None:
    _status(view, event.copy_group, event.status)


@fold.on(ev.PairStatusObserved)
def observed(view: HostView, event: ev.PairStatusObserved, seq: int) -> None:
    _status(view, event.copy_group, event.status)
