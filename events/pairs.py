"""Events of the CCI pair commands (``events.pair_commands``), on the issuing host's stream.

Each pair a command changes gets an intent before the array call and an outcome after it, with
the ``workflow_id`` of the command. Splits and resyncs reuse the file-system workflows' events
(``events.filesystem``: ``PairSplitRequested``/``PairSplit``, ``PairResyncRequested``/
``PairResynced``, ``PairStepFailed``); the others are here. ``status`` is always the pair's
status as the P-VOL shows it (SMPL, COPY, PAIR, PSUS, RCPY, PSUE).

``PairStatusObserved`` is what a host records when the array shows a pair in another status
than the host's last event said: changed behind its back (another host's CCI call, a copy that
ended, a failure of the array). It is recorded before the command acts, never silently merged.
"""
from __future__ import annotations

from events.base import Payload
from events.registry import REGISTRY


class PairCreateRequested(Payload):
    workflow_id: str
    copy_group: str
    copy_type: str
    mu: str = ""
    pvol: str  # "<serial>:<ldev>" that becomes the P-VOL
    svol: str
    fence: str = ""
    pace: int = 3


class PairCreated(Payload):
    workflow_id: str
    copy_group: str
    status: str  # COPY (a full copy runs) or PAIR (snapshots)
    pvol: str
    svol: str


class PairDeleteRequested(Payload):
    """``pairsplit -S``: dissolve the pair."""

    workflow_id: str
    copy_group: str


class PairDeleted(Payload):
    workflow_id: str
    copy_group: str
    status: str = "SMPL"


class PairSuspendRequested(Payload):
    """``pairsplit -E``: suspend the pair as by an error."""

    workflow_id: str
    copy_group: str


class PairSuspended(Payload):
    workflow_id: str
    copy_group: str
    status: str = "PSUE"


class PairTakeoverRequested(Payload):
    workflow_id: str
    copy_group: str


class PairTakenOver(Payload):
    """``horctakeover``: ``takeover`` swap (this host's volume is the P-VOL now) or nop."""

    workflow_id: str
    copy_group: str
    takeover: str
    status: str
    pvol: str
    svol: str


class PairWaitRequested(Payload):
    workflow_id: str
    copy_groups: tuple[str, ...]
    statuses: tuple[str, ...]
    timeout: float | None = None
    nowait: bool = False


class PairWaitEnded(Payload):
    """``exit_code`` is CCI's (0 reached, 1..5 a ``-nowait`` status, 233 timeout, 234 PSUE);
    ``statuses`` what each pair showed at the end (copy group -> status from the waited side)."""

    workflow_id: str
    copy_groups: tuple[str, ...]
    reached: bool
    exit_code: int
    error: str = ""
    statuses: dict[str, str] = {}


class PairNoOperation(Payload):
    """CCI accepted the command for this pair and performed nothing (e.g. ``pairresync`` on a
    pair already PAIR); ``reason`` says why."""

    workflow_id: str
    copy_group: str
    operation: str
    status: str
    reason: str


class PairStatusObserved(Payload):
    """The array showed ``status`` where this host's events last said ``previous``. ``cause``:
    ``copy-ended`` (COPY/RCPY became PAIR) or ``external`` (another host, CCI or the array)."""

    copy_group: str
    previous: str
    status: str
    cause: str = "external"
    pvol: str = ""  # the P-VOL now (differs from the lab after a swap)


PAIR_EVENTS = (PairCreateRequested, PairCreated, PairDeleteRequested, PairDeleted,
               PairSuspendRequested, PairSuspended, PairTakeoverRequested, PairTakenOver,
               PairWaitRequested, PairWaitEnded, PairNoOperation, PairStatusObserved)
for _model in PAIR_EVENTS:
    REGISTRY.register(_model.__name__, _model)
