"""The pair plan steps (``plan.MakePair``, ``plan.RestorePair``, ``plan.Split``) as the
``StepRunner`` runs them, and the wait for a pair status.

Every pair step records ``PairResyncRequested`` or ``PairSplitRequested`` before its array call,
then ``PairResynced``/``PairSplit`` or ``PairStepFailed``. Consecutive ``MakePair`` steps of a plan
are one batch (``make_pairs``): every resync is issued before the first wait, as an operator
runs ``pairresync`` for each copy group and then ``pairevtwait`` for each, so the copies of a
backup's copy groups (a database's data, log and tablespace volumes) overlap instead of
following one another. Each group still closes with its own outcome: a group that fails to
start or to reach PAIR records ``PairStepFailed``; no group is issued after one failed to
start, every group already issued is still waited for, and the first failure is raised.
"""
from __future__ import annotations

import time
from typing import Sequence

from adapters.storage.base import VolumeRef
from adapters.storage.errors import EX_EWSTOT, CciError, StorageError
from events import filesystem as fs
from events.maps import CopyGroupMap
from services.agent.plan import MakePair, RestorePair, Split
from services.agent.step_errors import StepFailed

WAIT_SLICE = 1.0


def ref(device: str) -> VolumeRef:
    """A map's ``serial:ldev`` as the array's volume reference."""
    serial, _, ldev = device.partition(":")
    return VolumeRef(serial=serial, ldev=int(ldev))


def live_status(storage, group: CopyGroupMap) -> str:
    """The pair's status as the array shows it from the P-VOL (SMPL: no pair)."""
    record = storage.pairdisplay(ref(group.pvol), group.mu)
    return "SMPL" if record is None else record.status_of(ref(group.pvol)).value


def batched(steps: Sequence) -> list:
    """``steps`` with every run of consecutive ``MakePair`` steps gathered in one tuple."""
    out: list = []
    for step in steps:
        if isinstance(step, MakePair) and out and isinstance(out[-1], tuple):
            out[-1] = (*out[-1], step)
        else:
            out.append((step,) if isinstance(step, MakePair) else step)
    return out


def make_pair(runner, planned: MakePair) -> None:
    """Bring one pair to PAIR (see ``make_pairs``)."""
    make_pairs(runner, (planned,))


def make_pairs(runner, planned: Sequence[MakePair]) -> None:
    """Bring every group of ``planned`` to PAIR: create (SMPL) or resync (PSUS/PSUE) them all,
    then wait for each; a group already in PAIR records nothing."""
    issued: list[tuple[CopyGroupMap, str]] = []
    first: StepFailed | None = None
    statuses = [(step.group, live_status(runner.storage, step.group)) for step in planned]
    for group, status in statuses:  # every status read before any intent is recorded
        if status == "PAIR":
            continue
        direction = "initial" if status == "SMPL" else "forward"
        runner.record(fs.PairResyncRequested(workflow_id=runner.workflow_id,
                                             copy_group=group.copy_group, direction=direction))
        try:
            _issue(runner.storage, group, status)
        except StorageError as error:
            runner.record(pair_failed(runner, group, "resync", error))
            first = StepFailed(f"resync {group.copy_group}", error)
            break
        issued.append((group, direction))
    for group, direction in issued:
        try:
            record = wait(runner, group, "PAIR")
        except StorageError as error:
            runner.record(pair_failed(runner, group, "resync", error))
            first = first or StepFailed(f"resync {group.copy_group}", error)
            continue
        runner.record(_resynced(runner, group, direction, record))
    if first is not None:
        raise first


def _issue(storage, group: CopyGroupMap, status: str) -> None:
    if status == "SMPL":
        storage.paircreate(ref(group.pvol), ref(group.svol), group.copy_type, group.mu)
    elif status in ("PSUS", "PSUE"):
        storage.pairresync(ref(group.pvol), group.mu)
    # COPY: a copy already runs; the wait is all that is left


def restore_pair(runner, planned: RestorePair) -> None:
    """Reverse resync S-VOL -> P-VOL and wait for PAIR."""
    group = planned.group

    def call():
        runner.storage.pairresync(ref(group.pvol), group.mu, restore=True)
        return wait(runner, group, "PAIR")

    runner.step(f"restore {group.copy_group}",
                [fs.PairResyncRequested(workflow_id=runner.workflow_id,
                                        copy_group=group.copy_group, direction="reverse")],
                call, lambda record: [_resynced(runner, group, "reverse", record)],
                lambda error: [pair_failed(runner, group, "restore", error)])


def split(runner, planned: Split) -> None:
    group, wf = planned.group, runner.workflow_id
    runner.step(f"split {group.copy_group}",
                [fs.PairSplitRequested(workflow_id=wf, copy_group=group.copy_group)],
                lambda: runner.storage.pairsplit(ref(group.pvol), group.mu),
                lambda _: [fs.PairSplit(workflow_id=wf, copy_group=group.copy_group,
                                        pvol_status="PSUS", svol_status="SSUS")],
                lambda error: [pair_failed(runner, group, "split", error)])


def _resynced(runner, group: CopyGroupMap, direction: str, record) -> fs.PairResynced:
    return fs.PairResynced(
        workflow_id=runner.workflow_id, copy_group=group.copy_group, direction=direction,
        status="PAIR", bytes_copied=record.bytes_written if record else 0,
        comparison=_comparison(record), full_reason=_full_reason(record))


def _comparison(record) -> str:
    """How the pair's last copy compared the volumes, as ``PairResynced`` records it."""
    found = getattr(record, "comparison", "")
    return found if found in ("journal", "full") else ""


def _full_reason(record) -> str:
    if _comparison(record) != "full":
        return ""
    return getattr(record, "comparison_note", "")[:fs.FULL_REASON_MAX]


def pair_failed(runner, group: CopyGroupMap, operation: str, error: Exception):
    try:
        status = live_status(runner.storage, group)
    except StorageError:
        status = ""
    return fs.PairStepFailed(workflow_id=runner.workflow_id, copy_group=group.copy_group,
                             operation=operation, error=str(error), status=status)


def wait(runner, group: CopyGroupMap, status: str):
    """``pairevtwait`` in one-second slices, with a progress line per slice after the first;
    gives up (the array's ``EX_EWSTOT``) after the runner's timeout."""
    pvol, started = ref(group.pvol), time.monotonic()
    while True:
        try:
            return runner.storage.pairevtwait(pvol, group.mu, status, WAIT_SLICE)
        except CciError as error:
            if error.code != EX_EWSTOT or time.monotonic() - started > runner.timeout:
                raise
        record = runner.storage.pairdisplay(pvol, group.mu)
        if record is not None:
            runner.context.progress(f"{group.copy_group}: {record.status.value} "
                                    f"{record.percent}%")
