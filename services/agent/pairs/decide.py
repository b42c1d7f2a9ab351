"""Pure decisions of the CCI pair commands: the view, the targets and what the array shows
(``Live``, read beforehand) in; observed changes, intents and the array calls to make out.

Every pair of the selection is checked before anything is asked of the array: one pair whose
status forbids the operation refuses the whole command with CCI's error (``EX_INVSTP`` …) and
nothing changes. Where CCI accepts an operation and performs nothing (``pairresync`` on a PAIR,
``pairsplit`` on a PSUS, ``pairsplit -S`` on a SMPL: the "Acceptable"/"Np" cells of the CCI
reference's tables), the pair gets ``PairNoOperation`` and no call. ADR 0009 lists the choices.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from adapters.storage.errors import EX_INVARG, EX_INVMOD, CciError
from adapters.storage.pairs import SNAPSHOT_TYPES, CopyType, Op, PairStatus, decide, no_operation
from events import filesystem as fs, pairs as ev
from events.base import Payload
from events.pair_commands import CreatePair, ResyncPair, SplitPair, TakeOverPair
from projections.host_view import HostView
from services import messages
from services.agent.errors import CommandRejection
from services.agent.pairs.targets import PairTarget

COPYING = ("COPY", "RCPY")


@dataclass(frozen=True)
class Live:
    """What the array shows of one pair now: its status (the P-VOL side's) and volumes."""

    status: str = "SMPL"
    pvol: str = ""
    svol: str = ""
    svol_mode: str = "r"

    def local_is_pvol(self, target: PairTarget) -> bool:
        return self.pvol == target.local if self.pvol else True

    def shown_by(self, volume: str) -> str:
        """The status as ``volume``'s side shows it (SSUS on the S-VOL of a split pair)."""
        return "SSUS" if self.status == "PSUS" and volume == self.svol else self.status


@dataclass(frozen=True)
class PairCall:
    """One array call: ``kind`` create | split | delete | suspend | resync | restore | swap |
    takeover, on the pair of ``target`` addressed through ``volume``."""

    kind: str
    target: PairTarget
    volume: str
    read_write: bool = False
    pvol: str = ""
    svol: str = ""
    fence: str = ""


@dataclass
class PairPlan:
    intents: list[Payload] = field(default_factory=list)
    calls: list[PairCall] = field(default_factory=list)
    noops: list[ev.PairNoOperation] = field(default_factory=list)


def cci_rejection(error: CciError) -> CommandRejection:
    """A CCI error as the command's rejection (``DRMX5110-E [EX_…] meaning: detail``)."""
    return CommandRejection(messages.CCI_ERROR, messages.cci_text(error.code, str(error)))


def observations(view: HostView, targets, live: dict[str, Live]) -> list[ev.PairStatusObserved]:
    """A pair whose live status differs from what this host's events last said."""
    found = []
    for target in targets:
        state = view.copy_groups.get(target.copy_group)
        known = state.status if state is not None else "UNKNOWN"
        now = live[target.copy_group]
        if known not in ("UNKNOWN", "") and known != now.status:
            cause = "copy-ended" if known in COPYING and now.status == "PAIR" else "external"
            found.append(ev.PairStatusObserved(copy_group=target.copy_group, previous=known,
                                               status=now.status, cause=cause, pvol=now.pvol))
    return found


def _check(target: PairTarget, live: Live, op: Op) -> str | None:
    """Why CCI performs nothing (None: act); raises ``CciError`` when CCI refuses."""
    reason = no_operation(PairStatus(live.status), op)
    if reason is None:
        decide(CopyType(target.copy_type), PairStatus(live.status), op)
    return reason


def _noop(wf: str, target: PairTarget, operation: str, live: Live, reason: str):
    return ev.PairNoOperation(workflow_id=wf, copy_group=target.copy_group, operation=operation,
                              status=live.status, reason=reason)


def _planned(build) -> PairPlan:
    try:
        return build()
    except CciError as error:
        raise cci_rejection(error) from None


# -- pairsplit -------------------------------------------------------------------------------------
SPLIT_OPS = {"": ("split", Op.SPLIT), "r": ("split", Op.SPLIT), "rw": ("split", Op.SPLIT),
             "S": ("delete", Op.DELETE), "E": ("suspend", Op.FAIL)}


def plan_split(command: SplitPair, wf: str, targets, live: dict[str, Live]) -> PairPlan:
    def build() -> PairPlan:
        plan = PairPlan()
        kind, op = SPLIT_OPS[command.option]
        for target in targets:
            now = live[target.copy_group]
            if command.option == "rw" and now.status in ("PSUS", "PSUE"):
                reason = None if now.svol_mode != "rw" else "the S-VOL is writable already"
            else:
                reason = _check(target, now, op)
            if reason is not None:
                plan.noops.append(_noop(wf, target, kind, now, reason))
                continue
            plan.intents.append(_split_intent(kind, wf, target.copy_group))
            plan.calls.append(PairCall(kind, target, target.local,
                                       read_write=command.option == "rw"))
        return plan
    return _planned(build)


def _split_intent(kind: str, wf: str, name: str) -> Payload:
    model = {"split": fs.PairSplitRequested, "delete": ev.PairDeleteRequested,
             "suspend": ev.PairSuspendRequested}[kind]
    return model(workflow_id=wf, copy_group=name)


# -- pairresync ------------------------------------------------------------------------------------
def plan_resync(command: ResyncPair, wf: str, targets, live: dict[str, Live]) -> PairPlan:
    def build() -> PairPlan:
        plan = PairPlan()
        kind = "restore" if command.restore else (command.swap or "resync")
        op = Op.RESTORE if command.restore else Op.SWAP if command.swap else Op.RESYNC
        for target in targets:
            now = live[target.copy_group]
            reason = _swap_side(command.swap, target, now) if command.swap else None
            if command.swap and target.family != "TC":
                raise CciError(EX_INVMOD, f"-{command.swap} is for TrueCopy/UR pairs; "
                                          f"{target.copy_group} is {target.copy_type}")
            reason = reason or _check(target, now, op)
            if reason is not None:
                plan.noops.append(_noop(wf, target, kind, now, reason))
                continue
            direction = {"restore": "reverse", "resync": "forward"}.get(kind, kind)
            plan.intents.append(fs.PairResyncRequested(workflow_id=wf,
                                                       copy_group=target.copy_group,
                                                       direction=direction))
            plan.calls.append(PairCall(kind, target, target.local))
        return plan
    return _planned(build)


def _swap_side(swap: str, target: PairTarget, now: Live) -> str | None:
    """``-swaps`` runs on the S-VOL's host and ``-swapp`` on the P-VOL's; when this host's
    volume already has the role the swap would give it, CCI ends normally doing nothing."""
    if now.status == "SMPL":
        return None  # the state machine refuses it
    mine_is_pvol = now.local_is_pvol(target)
    if swap == "swaps" and mine_is_pvol:
        return "this host's volume is the P-VOL already"
    if swap == "swapp" and not mine_is_pvol:
        return "this host's volume is the S-VOL already"
    return None


# -- paircreate ------------------------------------------------------------------------------------
DEFAULT_FENCE = {"TC": "never", "UR": "async"}


def plan_create(command: CreatePair, wf: str, targets, live: dict[str, Live]) -> PairPlan:
    def build() -> PairPlan:
        plan = PairPlan()
        for target in targets:
            now = live[target.copy_group]
            if command.fence and target.family != "TC":
                raise CciError(EX_INVARG, f"-f {command.fence}: a fence level is for "
                                          f"TrueCopy/UR pairs; {target.copy_group} is "
                                          f"{target.copy_type}")
            reason = _check(target, now, Op.CREATE)
            if reason is not None:
                plan.noops.append(_noop(wf, target, "create", now, reason))
                continue
            pvol, svol = ((target.local, target.remote) if command.primary == "local"
                          else (target.remote, target.local))
            fence = (command.fence or DEFAULT_FENCE.get(target.copy_type, "")).upper()
            plan.intents.append(ev.PairCreateRequested(
                workflow_id=wf, copy_group=target.copy_group, copy_type=target.copy_type,
                mu=target.mu, pvol=pvol, svol=svol, fence=fence, pace=command.pace))
            plan.calls.append(PairCall("create", target, target.local, pvol=pvol, svol=svol,
                                       fence=fence or "NEVER"))
        return plan
    return _planned(build)


# -- horctakeover ----------------------------------------------------------------------------------
def plan_takeover(command: TakeOverPair, wf: str, targets, live: dict[str, Live]) -> PairPlan:
    def build() -> PairPlan:
        plan = PairPlan()
        for target in targets:
            now = live[target.copy_group]
            if target.family != "TC":
                raise CciError(EX_INVMOD, f"horctakeover is for TrueCopy/UR pairs; "
                                          f"{target.copy_group} is {target.copy_type}")
            if now.status != "SMPL" and now.local_is_pvol(target):
                plan.noops.append(_noop(wf, target, "takeover", now,
                                        "nop-takeover: this host's volume is the P-VOL"))
                continue
            if CopyType(target.copy_type) in SNAPSHOT_TYPES:
                raise CciError(EX_INVMOD, f"{target.copy_group} is a snapshot pair")
            decide(CopyType(target.copy_type), PairStatus(now.status), Op.SWAP)
            plan.intents.append(ev.PairTakeoverRequested(workflow_id=wf,
                                                         copy_group=target.copy_group))
            plan.calls.append(PairCall("takeover", target, target.local))
        return plan
    return _planned(build)
