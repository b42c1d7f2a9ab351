"""Handlers of the CCI pair commands (``events.pair_commands``): read the array, decide
(``decide``, pure), record, call the array, record the outcomes.

Order of the events one command appends (three appends for a group of any size, so that a
16-volume ``pairsplit -g`` costs three transactions, not thirty-three):
1. ``PairStatusObserved`` for every pair the array shows in another status than this host's
   events last said (recorded even when the command is then refused: it is a fact learnt);
2. the intents (``PairSplitRequested`` …), ``PairNoOperation`` for pairs CCI leaves alone, and
   ``BackupEntryDeleted`` for catalog entries whose S-VOL data a copy will overwrite;
3. after the array calls, one outcome per pair (``PairSplit`` …, ``PairStepFailed`` for a call
   the array refused and for the calls not made after it), then the command's outcome.
A crash between 2 and 3 leaves intents without outcome; the next command of any host finds the
array's status and records it as observed (the array is the truth).
"""
from __future__ import annotations

from typing import Any

from adapters.storage.errors import CciError, StorageError
from events import filesystem as fs, pairs as ev
from events.base import Payload
from events.outcomes import CommandCompleted
from events.pair_commands import (CreatePair, PairSelection, ResyncPair, SplitPair,
                                  TakeOverPair)
from services import messages
from services.agent.errors import reject
from services.agent.filesystem.handlers import require_storage
from services.agent.pairs import decide, targets as tg
from services.agent.pairs.decide import Live, PairCall, PairPlan, cci_rejection
from services.agent.pairs.observing import observe
from services.agent.runner import ref
from services.agent.service import AgentContext

OVERWRITING = ("resync", "swaps", "swapp", "create", "takeover")


def targets_of(command: PairSelection, context: AgentContext) -> list[tg.PairTarget]:
    require_storage(context)
    try:
        found = tg.select(context.ports.lab, context.host, command.group, command.device,
                          command.mode)
        mu = getattr(command, "cascade_mu", None)
        if mu is not None:
            found = tg.cascaded(context.ports.lab, found, mu, command.cascade_local)
    except CciError as error:
        raise cci_rejection(error) from None
    return found


def guard(context: AgentContext, plan: PairPlan) -> list[Payload]:
    """Refuse to overwrite a mounted or locked S-VOL; the entries a copy overwrites die."""
    names = [c.target.copy_group for c in plan.calls if c.kind in OVERWRITING]
    for name in names:
        state = context.view.copy_groups.get(name)
        if state is not None and state.mounted_at:
            raise reject(messages.MOUNTED, f"the copy group {name} is mounted at "
                                           f"{state.mounted_at}; drmumount it first")
        if state is not None and state.locked:
            raise reject(messages.COPY_GROUP_LOCKED, f"the copy group {name} is locked "
                                                     f"({state.locked_by}); unlock it with "
                                                     "drmcgctl first")
    return [fs.BackupEntryDeleted(backup_id=e.backup_id, reason="resync",
                                  copy_groups=e.copy_groups)
            for e in sorted(context.view.entries_on(names), key=lambda e: e.backup_id)]


def carry_out(context: AgentContext, plan: PairPlan, live: dict[str, Live]) -> list[dict]:
    """Record the plan's intents, make its calls, record their outcomes; the pairs' results."""
    context.record([*plan.intents, *plan.noops, *guard(context, plan)])
    outcomes: list[Payload] = []
    results = [{"copy_group": n.copy_group, "status": n.status, "done": False,
                "reason": n.reason} for n in plan.noops]
    failure: StorageError | None = None
    for call in plan.calls:
        if failure is not None:
            outcomes.append(_failed(context, call, f"not run: an earlier pair failed ({failure})"))
            continue
        try:
            record = CALLS[call.kind](context.ports.storage, call)
        except StorageError as error:
            failure = error
            outcomes.append(_failed(context, call, str(error)))
            continue
        outcomes.append(_outcome(context.envelope.workflow_id, call, record))
        results.append({"copy_group": call.target.copy_group, "status": record.status.value
                        if record.status else "SMPL", "pvol": str(record.pvol),
                        "svol": str(record.svol), "done": True})
    context.record(outcomes)
    if failure is not None:
        raise _failure(failure)
    return results


def _failure(error: StorageError):
    from services.agent.errors import CommandFailure

    code = error.code if isinstance(error, CciError) else "EX_CMDRJE"
    return CommandFailure(messages.CCI_ERROR, messages.cci_text(code, str(error)))


def _failed(context: AgentContext, call: PairCall, error: str) -> fs.PairStepFailed:
    record = context.ports.storage.pairdisplay(ref(call.target.local), call.target.mu)
    return fs.PairStepFailed(workflow_id=context.envelope.workflow_id,
                             copy_group=call.target.copy_group, operation=call.kind, error=error,
                             status=record.status.value if record else "SMPL")


# -- the array calls and their outcome events ---------------------------------------------------
CALLS = {
    "create": lambda s, c: s.paircreate(ref(c.pvol), ref(c.svol), c.target.copy_type,
                                        c.target.mu, fence=c.fence),
    "split": lambda s, c: s.pairsplit(ref(c.volume), c.target.mu, read_write=c.read_write),
    "delete": lambda s, c: s.pairsplit(ref(c.volume), c.target.mu, simplex=True),
    "suspend": lambda s, c: s.fail(ref(c.volume), c.target.mu, "pairsplit -E"),
    "resync": lambda s, c: s.pairresync(ref(c.volume), c.target.mu),
    "restore": lambda s, c: s.pairresync(ref(c.volume), c.target.mu, restore=True),
    "swaps": lambda s, c: s.pairresync(ref(c.volume), c.target.mu, swaps=True),
    "swapp": lambda s, c: s.pairresync(ref(c.volume), c.target.mu, swaps=True),
    "takeover": lambda s, c: s.pairresync(ref(c.volume), c.target.mu, swaps=True),
}


def _outcome(wf: str, call: PairCall, record) -> Payload:
    name, status = call.target.copy_group, record.status.value
    if call.kind == "split":
        return fs.PairSplit(workflow_id=wf, copy_group=name, pvol_status=status,
                            svol_status="SSUS" if status == "PSUS" else status,
                            option="rw" if call.read_write else "")
    if call.kind == "delete":
        return ev.PairDeleted(workflow_id=wf, copy_group=name)
    if call.kind == "suspend":
        return ev.PairSuspended(workflow_id=wf, copy_group=name, status=status)
    if call.kind == "create":
        return ev.PairCreated(workflow_id=wf, copy_group=name, status=status,
                              pvol=str(record.pvol), svol=str(record.svol))
    if call.kind == "takeover":
        return ev.PairTakenOver(workflow_id=wf, copy_group=name, takeover="swap", status=status,
                                pvol=str(record.pvol), svol=str(record.svol))
    direction = {"restore": "reverse", "resync": "forward"}.get(call.kind, call.kind)
    return fs.PairResynced(workflow_id=wf, copy_group=name, direction=direction, status=status,
                           bytes_copied=0)


# -- the handlers ----------------------------------------------------------------------------------
PLANS = {SplitPair: decide.plan_split, ResyncPair: decide.plan_resync,
         CreatePair: decide.plan_create, TakeOverPair: decide.plan_takeover}


def operate_pairs(command: PairSelection, context: AgentContext) -> list[Payload]:
    """``paircreate``, ``pairsplit``, ``pairresync``, ``horctakeover``."""
    targets = targets_of(command, context)
    live = observe(context, targets)
    plan = PLANS[type(command)](command, context.envelope.workflow_id, targets, live)
    for noop in plan.noops:
        context.progress(messages.line(messages.PAIR_NO_OPERATION, copy_group=noop.copy_group,
                                       status=noop.status, reason=noop.reason))
    pairs = carry_out(context, plan, live)
    return [CommandCompleted(command=command.name, result=_result(command, pairs))]


def _result(command: PairSelection, pairs: list[dict]) -> dict[str, Any]:
    return {"group": command.group, "device": command.device or "", "mode": command.mode,
            "instance": command.instance, "pairs": pairs}


PAIR_COMMAND_HANDLERS = ((CreatePair, operate_pairs), (SplitPair, operate_pairs),
                         (ResyncPair, operate_pairs), (TakeOverPair, operate_pairs))
