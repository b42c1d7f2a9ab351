"""The storage contract: what an agent may ask of the arrays, whatever implements it.

The simulated arrays (``SimulatedStorage``) implement it with real bytes on disk; a later CCI
adapter will implement it by running ``paircreate``/``pairsplit``/… against real arrays.
Volumes are named by ``VolumeRef(serial, ldev)``; a pair is named by one of its volumes plus
its MU# (``""`` for TrueCopy), as CCI does.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from adapters.storage.pairs import CopyType, PairStatus, side_status


class VolumeRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    serial: str
    ldev: int

    def __str__(self) -> str:
        return f"{self.serial}:{self.ldev}"


class PairRecord(BaseModel):
    """The persistent state of one pair (the P-VOL side's view)."""

    model_config = ConfigDict(extra="forbid")

    pair_id: str
    copy_type: CopyType
    mu: str
    pvol: VolumeRef
    svol: VolumeRef
    status: PairStatus
    svol_mode: str = "r"  # "r" or "rw" (pairsplit -rw)
    fence: str = "NEVER"
    epoch: int = 0  # bumped whenever a copy starts; a copy of an older epoch must stop
    direction: str = ""  # "forward" (P->S) or "reverse" (S->P) while COPY/RCPY
    bytes_total: int = 0
    bytes_done: int = 0
    bytes_written: int = 0  # bytes the last completed copy wrote (differential resyncs write less)
    comparison: str = ""  # how the last copy compared the volumes: "journal" or "full"
    comparison_note: str = ""  # why it compared everything (empty when the journal vouched)
    owner: str | None = None  # process token of the copier
    snapshot: str | None = None  # Thin Image snapshot id while split
    error: str | None = None

    @property
    def percent(self) -> int:
        if self.status.value in ("COPY", "RCPY"):
            return min(99, self.bytes_done * 100 // self.bytes_total) if self.bytes_total else 0
        return 100 if self.status is not PairStatus.SMPL else 0

    def status_of(self, volume: VolumeRef) -> PairStatus:
        return side_status(self.status, volume == self.svol)


class StorageArray(Protocol):
    """Arrays with LDEVs and pairs, operated with CCI semantics."""

    def volume_path(self, volume: VolumeRef) -> Path:
        """The directory holding the file system of ``volume`` (its data)."""

    def mount(self, volume: VolumeRef, mount_point: Path, read_only: bool | None = None) -> bool:
        """Make ``volume`` visible at ``mount_point``; needs no root. Refuses a busy mount point.

        Returns True for a read-only mount: by default exactly when ``write_protected``; asking
        for ``read_only=False`` on a write-protected volume raises ``CciError(EX_INVVOL)``.
        """

    def write_protected(self, volume: VolumeRef) -> bool:
        """True for an S-VOL the host must not write: paired, copying, or split without -rw."""

    def unmount(self, mount_point: Path):
        """Remove what ``mount`` made; the data stays on the volume. For the last read-only
        mount of a volume, returns what changed in it while mounted (``tree_digest.Changes``,
        false when nothing did); None otherwise."""

    def read_only_guard(self, volume: VolumeRef):
        """How ``volume``'s read-only view refuses writes (``read_only.GuardInfo``) while it is
        mounted read-only, else None."""

    def paircreate(self, pvol: VolumeRef, svol: VolumeRef, copy_type: CopyType, mu: str = "", *,
                   fence: str = "NEVER") -> PairRecord:
        """Pair two SMPL volumes; the initial copy runs in the background (COPY, then PAIR).
        ``fence`` is the TrueCopy/UR fence level the pair keeps (NEVER, DATA, STATUS, ASYNC).

        Raises ``CciError`` (EX_ENQSIZ when the S-VOL is smaller, EX_INVSTP when paired).
        """

    def pairsplit(self, volume: VolumeRef, mu: str = "", *, read_write: bool = False,
                  simplex: bool = False) -> PairRecord:
        """Split a PAIR (S-VOL content frozen at this instant) or, with ``simplex``, dissolve it."""

    def pairresync(self, volume: VolumeRef, mu: str = "", *, restore: bool = False,
                   swaps: bool = False) -> PairRecord:
        """Resync a split pair: P->S (COPY), S->P with ``restore`` (RCPY), or swap roles first."""

    def fail(self, volume: VolumeRef, mu: str = "", reason: str = "array failure") -> PairRecord:
        """Suspend the pair by error (PSUE) now, stopping any copy (``pairsplit -E``)."""

    def pairdisplay(self, volume: VolumeRef, mu: str = "") -> PairRecord | None:
        """The pair on ``volume`` with this MU#, or None when the volume is SMPL for it."""

    def pairevtwait(self, volume: VolumeRef, mu: str, status: PairStatus | str,
                    timeout: float) -> PairRecord:
        """Wait until the pair shows ``status`` from this volume's side; EX_EWSTOT on timeout."""
