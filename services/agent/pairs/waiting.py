"""``pairevtwait``: wait until every pair of the selection shows one of the statuses asked for.

As CCI, the status is judged on the P-VOL (``-s``, ``-nowait``) or on the S-VOL (``-ss``,
``-nowaits``), whichever host runs the command. The array is polled (1 ms, doubling to 10 ms
between looks) through ``pairdisplay``, so a
change made by any process or host is seen within one pause. Exit codes follow CCI (ADR 0009):
0 when every pair shows a wanted status; ``EX_EWSTOT`` (233) when ``-t`` runs out first;
``EX_EWSUSE`` (234) when a pair is PSUE and PSUE was not asked for; with ``-nowait`` the
status itself (1 SMPL, 2 COPY/RCPY, 3 PAIR, 4 PSUS/SSUS, 5 PSUE), the same for every pair of a
group or ``EX_INVVOL`` (222) when they differ. Intent ``PairWaitRequested`` and outcome
``PairWaitEnded`` go on the issuing host's stream.
"""
from __future__ import annotations

import time

from adapters.storage.errors import EX_EWSTOT, EX_EWSUSE, EX_INVVOL, EXIT_CODES, MESSAGES
from events import pairs as ev
from events.base import Payload
from events.outcomes import CommandCompleted, CommandFailed
from events.pair_commands import WaitPairEvent
from services import messages
from services.agent.pairs.decide import Live
from services.agent.pairs.handlers import targets_of
from services.agent.pairs.observing import live_of, observe
from services.agent.service import AgentContext

NOWAIT_CODES = {"SMPL": 1, "COPY": 2, "RCPY": 2, "PAIR": 3, "PSUS": 4, "SSUS": 4, "PSUE": 5}
FIRST_PAUSE, LONGEST_PAUSE = 0.001, 0.01
PROGRESS_EVERY = 1.0


def shown(target, live: Live, svol_side: bool) -> str:
    """The status as CCI judges it: the P-VOL's (the pair's status: PSUS, never SSUS), or the
    S-VOL's with ``-ss``/``-nowaits`` (SSUS for a split pair), whichever host asks."""
    return live.shown_by(live.svol) if svol_side and live.svol else live.status


def wanted_statuses(command: WaitPairEvent) -> set[str]:
    """The statuses asked for, named as the judged side shows them (``-s ssus`` is PSUS)."""
    side = {"PSUS": "SSUS"} if command.svol_side else {"SSUS": "PSUS"}
    return {side.get(s.upper(), s.upper()) for s in command.statuses}


def judge(command: WaitPairEvent, seen: dict[str, str]) -> tuple[bool, int, str] | None:
    """``(reached, exit_code, error)`` when the wait is over with what ``seen`` shows, else
    None (keep waiting). Pure."""
    values = set(seen.values())
    if command.nowait:
        if len(values) != 1:
            return False, EXIT_CODES[EX_INVVOL], EX_INVVOL
        return True, NOWAIT_CODES[values.pop()], ""
    wanted = wanted_statuses(command)
    if values <= wanted:
        return True, 0, ""
    if "PSUE" in values and "PSUE" not in wanted:
        return False, EXIT_CODES[EX_EWSUSE], EX_EWSUSE
    return None


def wait_pair_event(command: WaitPairEvent, context: AgentContext) -> list[Payload]:
    targets = targets_of(command, context)
    names = tuple(t.copy_group for t in targets)
    observe(context, targets)
    wf = context.envelope.workflow_id
    context.record([ev.PairWaitRequested(workflow_id=wf, copy_groups=names,
                                         statuses=tuple(s.upper() for s in command.statuses),
                                         timeout=command.timeout, nowait=command.nowait)])
    started = time.monotonic()
    deadline = None if command.timeout is None else started + command.timeout
    pause, said = FIRST_PAUSE, started
    while True:
        live = live_of(context.ports.storage, targets, recover=pause == FIRST_PAUSE or
                       time.monotonic() - said >= PROGRESS_EVERY)
        seen = {t.copy_group: shown(t, live[t.copy_group], command.svol_side) for t in targets}
        verdict = judge(command, seen)
        now = time.monotonic()
        if verdict is None and deadline is not None and now >= deadline:
            verdict = (False, EXIT_CODES[EX_EWSTOT], EX_EWSTOT)
        if verdict is not None:
            break
        if now - said >= PROGRESS_EVERY:
            said = now
            context.progress("pairevtwait: " + ", ".join(f"{n} {s}" for n, s in seen.items()))
        time.sleep(pause if deadline is None else max(0.0, min(pause, deadline - now)))
        pause = min(LONGEST_PAUSE, pause * 2)
    reached, code, error = verdict
    statuses = {name: live[name].status for name in names}
    context.record([ev.PairWaitEnded(workflow_id=wf, copy_groups=names, reached=reached,
                                     exit_code=code, error=error, statuses=statuses)])
    result = {"reached": reached, "exit_code": code, "error": error,
              "pairs": [{"copy_group": n, "status": seen[n]} for n in names]}
    if error:
        return [_failed(command, error, seen, time.monotonic() - started)]
    return [CommandCompleted(command=command.name, result=result)]


def _failed(command: WaitPairEvent, error: str, seen: dict[str, str],
            waited: float) -> CommandFailed:
    detail = ", ".join(f"{n} is {s}" for n, s in seen.items())
    if error == EX_EWSTOT:
        message = messages.PAIR_WAIT_TIMEOUT
        detail += f" after {waited:.1f}s (wanted {'/'.join(command.statuses).upper()})"
    elif error == EX_EWSUSE:
        message = messages.PAIR_WAIT_SUSPENDED
    else:
        return CommandFailed(command=command.name, message_id=messages.CCI_ERROR,
                             text=f"[{error}] {MESSAGES[error]}: -nowait on a group whose "
                                  f"pairs differ ({detail})")
    return CommandFailed(command=command.name, message_id=message,
                         text=messages.text(message, detail=detail))


PAIR_WAIT_HANDLERS = ((WaitPairEvent, wait_pair_event),)
