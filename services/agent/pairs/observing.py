"""What the array shows of a host's pairs, and the changes made behind the host's back.

``live_of`` reads the pair records once; ``observe`` records ``PairStatusObserved`` for every
pair whose live status differs from what the host's events last said (ADR 0009), before the
command that looked acts. The CCI commands and the file-system backup and restore use it.
"""
from __future__ import annotations

from services import messages
from services.agent.pairs import decide, targets as tg
from services.agent.pairs.decide import Live
from services.agent.service import AgentContext


def live_of(storage, targets, recover: bool = True) -> dict[str, Live]:
    """What the array shows of each target's pair now (SMPL when it has none), from one read
    of the array's pair records; ``recover`` first takes over copies of dead processes (as
    ``pairdisplay`` does)."""
    if recover:
        storage.recover()
    by_volume = {}
    for record in storage.records():
        for volume in (record.pvol, record.svol):
            by_volume[(str(volume), record.mu)] = record
    found = {}
    for target in targets:
        record = by_volume.get((target.local, target.mu))
        found[target.copy_group] = Live() if record is None else Live(
            record.status.value, str(record.pvol), str(record.svol), record.svol_mode)
    return found


def observe(context: AgentContext, targets) -> dict[str, Live]:
    """The live state of ``targets``; records what changed behind this host's back first."""
    live = live_of(context.ports.storage, targets)
    observed = decide.observations(context.view, targets, live)
    if observed:
        context.record(list(observed))
        for event in observed:
            context.progress(messages.line(messages.PAIR_CHANGED_OUTSIDE,
                                           copy_group=event.copy_group,
                                           previous=event.previous, status=event.status))
    return live


def observe_groups(context: AgentContext, groups) -> None:
    """``observe`` for the P-VOL copy groups (``CopyGroupMap``) of a backup or restore, so
    that the product's own commands notice a change made behind the host's back too."""
    targets = [tg.PairTarget(g.copy_group, g.copy_type, g.mu, g.pvol, g.svol, g.generation)
               for g in {g.copy_group: g for g in groups}.values()]
    if targets and context.ports.storage is not None:
        observe(context, targets)


