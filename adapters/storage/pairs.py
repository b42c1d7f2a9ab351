"""The pair status machine, as pure functions.

``decide(copy_type, status, op)`` says what an operation does to a pair in a given status, or
raises ``CciError(EX_INVSTP)`` and nothing changes. The array applies the returned
``Transition``; tests check the array against a separate reference model.

Statuses are those of the P-VOL side (SMPL, COPY, PAIR, PSUS, RCPY, PSUE); the S-VOL side shows
SSUS where the P-VOL shows PSUS (``side_status``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from adapters.storage.errors import EX_INVMUN, EX_INVSTP, CciError


class CopyType(StrEnum):
    SI = "SI"  # ShadowImage, local full copy, MU# 0-2
    TI = "TI"  # Thin Image, local snapshot in a pool, MU# 0-63
    COW = "COW"  # Copy-on-Write Snapshot, local snapshot in a pool, MU# 0-63
    TC = "TC"  # TrueCopy, remote, no MU#
    UR = "UR"  # Universal Replicator, remote, MU# h0-h3


COPY_TYPE_ALIASES = {
    "SHADOWIMAGE": CopyType.SI, "THINIMAGE": CopyType.TI, "COPYONWRITE": CopyType.COW,
    "COPY-ON-WRITE": CopyType.COW, "TRUECOPY": CopyType.TC, "UNIVERSALREPLICATOR": CopyType.UR,
}
LOCAL_TYPES = frozenset({CopyType.SI, CopyType.TI, CopyType.COW})
REMOTE_TYPES = frozenset({CopyType.TC, CopyType.UR})
SNAPSHOT_TYPES = frozenset({CopyType.TI, CopyType.COW})


class PairStatus(StrEnum):
    SMPL = "SMPL"
    COPY = "COPY"
    PAIR = "PAIR"
    PSUS = "PSUS"
    SSUS = "SSUS"  # only ever shown, never stored
    RCPY = "RCPY"
    PSUE = "PSUE"


class Op(StrEnum):
    CREATE = "create"  # paircreate
    SPLIT = "split"  # pairsplit [-r|-rw]
    DELETE = "delete"  # pairsplit -S
    RESYNC = "resync"  # pairresync
    RESTORE = "restore"  # pairresync -restore
    SWAP = "swap"  # pairresync -swaps/-swapp, horctakeover (swap-takeover)
    COPY_DONE = "copy_done"  # the background copy reached its end
    COPY_FAILED = "copy_failed"  # the background copy failed
    FAIL = "fail"  # a failure of the array on the pair


class Work(StrEnum):
    """What the array must do with the data when it applies a transition."""

    NONE = "none"
    FORWARD_COPY = "forward"  # background copy P-VOL -> S-VOL
    REVERSE_COPY = "reverse"  # background copy S-VOL -> P-VOL
    SYNC_NOW = "sync_now"  # bring the S-VOL to the P-VOL's content before the split returns
    SNAPSHOT = "snapshot"  # Thin Image: keep the P-VOL's content as a snapshot
    DROP_SNAPSHOT = "drop_snapshot"


@dataclass(frozen=True)
class Transition:
    status: PairStatus
    work: Work = Work.NONE
    swap: bool = False
    sync_first: bool = False  # bring the S-VOL up to date before the swap (a swap from PAIR)


S, C, P, PS, R, E = (PairStatus.SMPL, PairStatus.COPY, PairStatus.PAIR, PairStatus.PSUS,
                     PairStatus.RCPY, PairStatus.PSUE)


def decide(copy_type: CopyType, status: PairStatus, op: Op) -> Transition:
    """The transition ``op`` causes on a pair of ``copy_type`` in ``status``.

    Raises ``CciError(EX_INVSTP)`` when CCI would refuse the operation in this status.
    """
    snap = copy_type in SNAPSHOT_TYPES
    if op is Op.CREATE and status is S:
        return Transition(P) if snap else Transition(C, Work.FORWARD_COPY)
    if op is Op.SPLIT and status is P:
        return Transition(PS, Work.SNAPSHOT if snap else Work.SYNC_NOW)
    if op is Op.DELETE and status is not S:
        # a PAIR's S-VOL mirrors its P-VOL: dissolving it leaves that content (remote site)
        mirrored = Work.SYNC_NOW if status is P else Work.NONE
        return Transition(S, Work.DROP_SNAPSHOT if snap else mirrored)
    if op is Op.RESYNC and status in (PS, E):
        return Transition(P, Work.DROP_SNAPSHOT) if snap else Transition(C, Work.FORWARD_COPY)
    if op is Op.RESTORE and status is PS:
        return Transition(R, Work.REVERSE_COPY)
    if op is Op.SWAP and status in (PS, P) and not snap:
        return Transition(C, Work.FORWARD_COPY, swap=True, sync_first=status is P)
    if op is Op.COPY_DONE and status in (C, R):
        return Transition(P)
    if op in (Op.COPY_FAILED, Op.FAIL) and status in (C, R, P, PS, E):
        return Transition(E)
    raise CciError(EX_INVSTP, f"{op.value} is not allowed on a {copy_type.value} pair in {status.value}")


NO_OPERATION: dict[Op, tuple[frozenset[PairStatus], str]] = {
    Op.CREATE: (frozenset({C, P}), "the volumes are paired already"),
    Op.SPLIT: (frozenset({PS}), "the pair is split already"),
    Op.DELETE: (frozenset({S}), "the volume is SMPL already"),
    Op.RESYNC: (frozenset({C, P}), "the pair is being copied or paired already"),
    Op.RESTORE: (frozenset({C, R, P}), "the pair is being copied or paired already"),
}
"""Statuses in which CCI accepts an operation and performs nothing ("Acceptable"/"Np" in the
CCI reference's tables of pair status versus commands): the command ends normally."""


def no_operation(status: PairStatus, op: Op) -> str | None:
    """Why CCI would accept ``op`` on a pair in ``status`` and do nothing; None otherwise."""
    statuses, reason = NO_OPERATION.get(op, (frozenset(), ""))
    return reason if status in statuses else None


def side_status(status: PairStatus, is_svol: bool) -> PairStatus:
    """The status as seen from one side: the S-VOL of a split pair shows SSUS."""
    return PairStatus.SSUS if is_svol and status is PairStatus.PSUS else status


def parse_copy_type(value: str) -> CopyType:
    key = value.strip().upper().replace(" ", "").replace("_", "")
    if key in CopyType.__members__:
        return CopyType[key]
    if key in COPY_TYPE_ALIASES:
        return COPY_TYPE_ALIASES[key]
    raise ValueError(f"unknown copy type {value!r} (SI, TI, COW, TC or UR)")


_UR_MU = re.compile(r"^h([0-3])$")


def normalize_mu(copy_type: CopyType, mu: object) -> str:
    """The canonical MU# of a pair: "0".."2" (SI), "0".."63" (TI/COW), "" (TC), "h0".."h3" (UR).

    Raises ``CciError(EX_INVMUN)`` when the MU# is out of range for the copy type.
    """
    text = "" if mu is None else str(mu).strip()
    if copy_type is CopyType.TC:
        if text:
            raise CciError(EX_INVMUN, f"a TrueCopy pair has no MU# (got {text!r})")
        return ""
    if copy_type is CopyType.UR:
        if not _UR_MU.match(text):
            raise CciError(EX_INVMUN, f"a Universal Replicator MU# is h0..h3 (got {text!r})")
        return text
    limit = 2 if copy_type is CopyType.SI else 63
    if not text.isdigit() or not 0 <= int(text) <= limit:
        raise CciError(EX_INVMUN, f"a {copy_type.value} MU# is 0..{limit} (got {text!r})")
    return str(int(text))


def generation_name(copy_type: CopyType, mu: str) -> str:
    """``local_<MU#>`` for local copies, ``remote_0`` for TrueCopy, ``remote_<n>`` for UR h<n>."""
    if copy_type in LOCAL_TYPES:
        return f"local_{mu}"
    return "remote_0" if copy_type is CopyType.TC else f"remote_{mu.lstrip('h')}"
