"""The manual's rules for ShadowImage pairs that share an LDEV with another pair (spec 01 §7.3,
user guide: configurations where ShadowImage and TrueCopy share an LDEV).

1. ShadowImage P-VOL = TrueCopy P-VOL: a ShadowImage restore needs the TrueCopy pair SMPL or
   PSUS (SSUS). Every other pair of the P-VOL is checked by the restore already
   (``filesystem.decide._check_restore``: PSUS or SMPL), which covers this rule.
2. ShadowImage S-VOL = TrueCopy P-VOL: a ShadowImage backup and restore need the TrueCopy (or
   UR) pair SMPL or PSUS (SSUS).
3. ShadowImage cascade, the backed-up volume is also the S-VOL of an upstream ShadowImage pair:
   a backup needs the upstream pair SMPL or SSUS, a restore needs it SMPL.

``related_pairs`` reads the facts (the lab and the array's statuses); ``check`` is pure and
refuses with ``DRM-10030`` naming the pair and the ``pairsplit`` that makes it right.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from services import messages
from services.agent.errors import reject

SI_FAMILY = ("SI", "TI", "COW")
REMOTE = ("TC", "UR")


@dataclass(frozen=True)
class Related:
    """A pair ``copy_group`` related to a backed-up ShadowImage group: ``relation``
    ``remote-on-svol`` (rule 2) or ``upstream`` (rule 3); ``status`` as its P-VOL shows it."""

    copy_group: str
    relation: str
    status: str


def _volume(v) -> str:
    return f"{v.array}:{v.ldev}"


def related_pairs(lab, groups: Iterable, status_of) -> dict[str, list[Related]]:
    """For each ShadowImage group (``CopyGroupMap``s), the pairs of rules 2 and 3, with the
    live status ``status_of(lab_copy_group)`` gives."""
    found: dict[str, list[Related]] = {}
    for group in groups:
        if group.copy_type not in SI_FAMILY:
            continue
        related = []
        for other in lab.copy_groups:
            if other.name == group.copy_group:
                continue
            if other.copy_type.value in REMOTE and _volume(other.pvol) == group.svol:
                related.append(Related(other.name, "remote-on-svol", status_of(other)))
            elif other.copy_type.value in SI_FAMILY and _volume(other.svol) == group.pvol:
                related.append(Related(other.name, "upstream", status_of(other)))
        if related:
            found[group.copy_group] = related
    return found


ALLOWED = {("remote-on-svol", "backup"): ("SMPL", "PSUS"),
           ("remote-on-svol", "restore"): ("SMPL", "PSUS"),
           ("upstream", "backup"): ("SMPL", "PSUS"),
           ("upstream", "restore"): ("SMPL",)}


def check(related: Mapping[str, list[Related]], operation: str) -> None:
    """Refuse ``operation`` (backup | restore) when a related pair is in a status its rule
    does not allow (``KAVX0006-E`` ``DRM-10030``); nothing changes."""
    for name, pairs in related.items():
        for pair in pairs:
            allowed = ALLOWED[(pair.relation, operation)]
            if pair.status in allowed:
                continue
            if pair.relation == "remote-on-svol":
                why = (f"the S-VOL of {name} is the P-VOL of the remote pair {pair.copy_group}, "
                       f"which is {pair.status}; a ShadowImage {operation} needs it SMPL or PSUS")
                remedy = messages.pairsplit_remedy(pair.copy_group)
            else:
                needed = "SMPL or SSUS" if operation == "backup" else "SMPL"
                why = (f"the P-VOL of {name} is the S-VOL of the cascaded pair "
                       f"{pair.copy_group}, which is {pair.status}; a ShadowImage {operation} "
                       f"needs it {needed}")
                remedy = messages.pairsplit_remedy(pair.copy_group) + (
                    "" if operation == "backup" else " -S")
            raise reject(messages.BAD_PAIR_STATUS, f"{why}: run {remedy} first")
