"""Simulated storage arrays that hold real bytes, operated with CCI pair semantics.

``SimulatedStorage(root)`` is every array under one root (the arrays of a lab, which share a
SAN); ``Volumes`` handles arrays, LDEVs and mounts, this module the pairs.

Pair state lives in ``<root>/pairs/<pair_id>.json`` (atomic writes) and the sync baseline
beside it (``baseline.py``), guarded by one flock (``<root>/pairs/.lock``) held only for short
read-modify-write steps, so the agents of several hosts can share the arrays from several
processes; a refused operation (EX_INVSTP …) changes nothing. S-VOLs are write-protected
unless split with ``-rw`` (``write_protected``, ``mount``).

**What "in the background" means here.** A copy (COPY or RCPY) runs in a non-daemon thread of
the process that started it; the pair record names that process (pid + start time) as its
owner and the copy persists its progress. A CLI process therefore waits for its copies before
it exits. If the owner dies (SIGKILL, crash), whichever process next opens the arrays (or
displays/waits for a pair) finds a COPY/RCPY whose owner is dead and, by default, takes it
over and runs the copy again (``orphan_policy="resume"``); with ``"psue"`` it marks the pair
PSUE instead. Resuming is safe because the differential copy is idempotent: files already
copied compare equal and are not rewritten. A pair only becomes PAIR after a copy ran to its
end, so it is never PAIR with wrong data.

**PAIR and the S-VOL.** Writes to a P-VOL are plain file I/O that the array cannot intercept,
so while a pair is PAIR the S-VOL is brought up to date lazily: ``pairsplit`` first syncs the
differences (under the lock) and only then reports PSUS, which gives the S-VOL exactly the
P-VOL's content at the moment of the split, as a real split does.

**Thin Image / CoW.** ``paircreate`` gives PAIR at once; ``pairsplit`` stores a snapshot in the
P-VOL array's pool (``snapshots.py``); the S-VOL's directory is filled from the snapshot when it
is first read (``volume_path``/``mount``); ``pairresync`` drops the snapshot; ``-restore`` writes
it back to the P-VOL (RCPY, then PAIR).
"""
from __future__ import annotations

import time
from pathlib import Path

from adapters.storage.background import CopyRunner
from adapters.storage.base import PairRecord, VolumeRef
from adapters.storage.baseline import BaselineStore, Loaded
from adapters.storage.copier import CapacityExceeded
from adapters.storage.errors import EX_CMDRJE, EX_ENQSIZ, EX_EWSTOT, EX_INVARG, EX_INVSTP, EX_INVVOL, CciError
from adapters.storage.fault import FaultInjector
from adapters.storage.metadata import file_lock, read_json, write_json_atomic
from adapters.storage.resync import PairCopy, forget, snapshot_volume
from adapters.storage.pairs import (LOCAL_TYPES, REMOTE_TYPES, SNAPSHOT_TYPES, CopyType, Op, PairStatus,
                                    Work, decide, normalize_mu)
from adapters.storage.snapshots import ChunkPool, restore_snapshot
from adapters.storage.volumes import Volumes


def pair_id_for(pvol: VolumeRef, copy_type: CopyType, mu: str) -> str:
    return f"{pvol.serial}-{pvol.ldev}-{copy_type.value}-{mu or 'x'}"


class SimulatedStorage(Volumes):
    """The arrays under ``root``; implements ``adapters.storage.base.StorageArray``."""

    def __init__(self, root: Path, *, orphan_policy: str = "resume",
                 faults: FaultInjector | None = None, read_only_guard: str = "auto",
                 journal: bool = True) -> None:
        super().__init__(Path(root), read_only_guard)
        self.journal = journal  # False: every copy compares everything (tests, benchmarks)
        self.root.mkdir(parents=True, exist_ok=True)
        self.pairs_dir = self.root / "pairs"
        self.pairs_dir.mkdir(exist_ok=True)
        self.baselines = BaselineStore(self.pairs_dir)
        self.faults = faults or FaultInjector(self.root)
        self.runner = CopyRunner(self, orphan_policy)
        self._last_found: dict[tuple[VolumeRef, str], str] = {}  # (volume, MU#) -> pair ID
        self.recover()

    # -- records ----------------------------------------------------------------------------
    def lock(self):
        return file_lock(self.pairs_dir / ".lock")

    def load(self, pair_id: str) -> PairRecord | None:
        data = read_json(self.pairs_dir / f"{pair_id}.json")
        return None if data is None else PairRecord.model_validate(data)

    def save(self, record: PairRecord, durable: bool = True) -> None:
        write_json_atomic(self.pairs_dir / f"{record.pair_id}.json", record.model_dump(mode="json"),
                          durable=durable)

    def records(self) -> list[PairRecord]:
        found = (read_json(p) for p in sorted(self.pairs_dir.glob("*.json")) if not p.name.endswith(".base.json"))
        return [PairRecord.model_validate(d) for d in found if d]

    def baseline(self, pair_id: str) -> Loaded:
        """The signatures of both volumes at the end of the pair's last copy (``baseline.py``)."""
        return self.baselines.load(pair_id)

    def save_baseline(self, pair_id: str, data: dict, previous: Loaded | None = None) -> None:
        self.baselines.save(pair_id, data, previous)

    def pair_copy(self, record: PairRecord, src: VolumeRef, dst: VolumeRef) -> PairCopy:
        """The copy of ``record``'s data from ``src`` to ``dst`` (``resync.py``)."""
        return PairCopy(self.baselines, self.root, record.pair_id, self.data_dir(src), self.data_dir(dst),
                        str(src), str(dst), capacity=self.ldev_info(dst)["size"], use_journal=self.journal)

    def _drop(self, record: PairRecord) -> None:
        forget(self.root, record.pair_id)
        self.baselines.drop(record.pair_id)
        (self.pairs_dir / f"{record.pair_id}.json").unlink(missing_ok=True)

    def _find(self, volume: VolumeRef, mu: str) -> PairRecord | None:
        """The pair of ``volume`` on MU# ``mu``. A volume has at most one pair per MU#
        (``paircreate`` refuses a second), so the pair last found for it, read again and still
        matching, is the answer; only when it is gone or changed are all records read (this
        keeps a backup of many copy groups linear in their number)."""
        hint = self._last_found.get((volume, mu))
        if hint is not None:
            record = self.load(hint)
            if record is not None and record.mu == mu and volume in (record.pvol, record.svol):
                return record
        for record in self.records():
            if record.mu == mu and volume in (record.pvol, record.svol):
                self._last_found[(volume, mu)] = record.pair_id
                return record
        return None

    def _require(self, volume: VolumeRef, mu: str) -> PairRecord:
        record = self._find(volume, mu)
        if record is None:
            raise CciError(EX_INVSTP, f"volume {volume} MU#{mu or '-'} is SMPL")
        if self.faults.take_fail_next(record.pair_id):
            record.status, record.error, record.owner = PairStatus.PSUE, "injected failure", None
            record.epoch += 1
            self.save(record)
            raise CciError(EX_CMDRJE, f"injected failure on pair {record.pair_id}; pair is PSUE")
        return record

    def pool(self, serial: str) -> ChunkPool:
        return ChunkPool(self.pool_dir(serial))

    # -- CCI operations ---------------------------------------------------------------------
    def paircreate(self, pvol: VolumeRef, svol: VolumeRef, copy_type: CopyType, mu: str = "", *,
                   fence: str = "NEVER") -> PairRecord:
        copy_type = CopyType(copy_type)
        mu = normalize_mu(copy_type, mu)
        if pvol == svol:
            raise CciError(EX_INVARG, "P-VOL and S-VOL are the same volume")
        if copy_type in LOCAL_TYPES and pvol.serial != svol.serial:
            raise CciError(EX_INVARG, f"{copy_type.value} is a local copy; {pvol} and {svol} are on different arrays")
        if copy_type in REMOTE_TYPES and pvol.serial == svol.serial:
            raise CciError(EX_INVARG, f"{copy_type.value} is a remote copy; {pvol} and {svol} are on one array")
        if self.ldev_info(svol)["size"] < self.ldev_info(pvol)["size"]:
            raise CciError(EX_ENQSIZ, f"S-VOL {svol} is smaller than P-VOL {pvol}")
        with self.lock():
            if self._find(pvol, mu) or self._find(svol, mu):
                raise CciError(EX_INVSTP, f"{pvol} or {svol} already has a pair on MU#{mu or '-'}")
            if any(r.svol == svol for r in self.records()):
                raise CciError(EX_INVVOL, f"{svol} is already the S-VOL of another pair")
            record = PairRecord(pair_id=pair_id_for(pvol, copy_type, mu), copy_type=copy_type, mu=mu,
                                pvol=pvol, svol=svol, status=PairStatus.SMPL, fence=fence.upper())
            if self.faults.take_fail_next(record.pair_id):
                record.status, record.error = PairStatus.PSUE, "injected failure"
                self.save(record)
                raise CciError(EX_CMDRJE, f"injected failure on pair {record.pair_id}; pair is PSUE")
            self.save_baseline(record.pair_id, {})
            return self._apply(record, Op.CREATE)

    def pairsplit(self, volume: VolumeRef, mu: str = "", *, read_write: bool = False,
                  simplex: bool = False) -> PairRecord:
        with self.lock():
            record = self._require(volume, mu)
            if read_write and not simplex and record.status in (PairStatus.PSUS, PairStatus.PSUE):
                record.svol_mode = "rw"  # pairsplit -rw on a split pair: the S-VOL becomes writable
                self.save(record)
                return record
            if not simplex:  # saved with the split itself: one durable write, not two
                record.svol_mode = "rw" if read_write else "r"
            return self._apply(record, Op.DELETE if simplex else Op.SPLIT)

    def pairresync(self, volume: VolumeRef, mu: str = "", *, restore: bool = False,
                   swaps: bool = False) -> PairRecord:
        if restore and swaps:
            raise CciError(EX_INVARG, "-restore and -swaps exclude each other")
        with self.lock():
            record = self._require(volume, mu)
            return self._apply(record, Op.RESTORE if restore else Op.SWAP if swaps else Op.RESYNC)

    def pairdisplay(self, volume: VolumeRef, mu: str = "") -> PairRecord | None:
        self.recover()
        return self._find(volume, mu)

    def pairevtwait(self, volume: VolumeRef, mu: str, status: PairStatus | str, timeout: float) -> PairRecord | None:
        wanted = PairStatus(status)
        deadline = time.monotonic() + timeout
        pause = 0.001
        while True:
            seen = self.runner.ended()
            record = self.pairdisplay(volume, mu)
            shown = PairStatus.SMPL if record is None else record.status_of(volume)
            if shown is wanted:
                return record
            if shown is PairStatus.PSUE:
                raise CciError(EX_INVSTP, f"pair on {volume} is PSUE ({record.error or 'suspended by error'})")
            if time.monotonic() >= deadline:
                raise CciError(EX_EWSTOT, f"{volume} is {shown.value}, not {wanted.value}, after {timeout}s")
            # a copy run by this process wakes us when it ends; others are polled
            local = record is not None and record.owner == self.runner.token
            self.runner.wait_change(min(0.25 if local else pause, max(0.0, deadline - time.monotonic())), seen)
            pause = min(0.02, pause * 2)

    def fail(self, volume: VolumeRef, mu: str = "", reason: str = "array failure") -> PairRecord:
        """Suspend the pair by error (PSUE) now, stopping any copy."""
        with self.lock():
            record = self._require(volume, mu)
            record = self._apply(record, Op.FAIL)
            record.error = reason
            self.save(record)
            return record

    def volume_path(self, volume: VolumeRef) -> Path:
        self.ldev_info(volume)
        for record in self.records():
            if record.svol == volume and record.copy_type in SNAPSHOT_TYPES and record.snapshot:
                with self.lock():
                    self._materialize(volume)
        return self.data_dir(volume)

    def write_protected(self, volume: VolumeRef) -> bool:
        """True when the array refuses host writes to ``volume``.

        An S-VOL is write-protected unless its pair is split with ``-rw`` (PSUS/PSUE with
        ``svol_mode == "rw"``): while COPY/PAIR/RCPY, and after a plain ``pairsplit``.
        """
        for record in self.records():
            if record.svol == volume:
                split = record.status in (PairStatus.PSUS, PairStatus.PSUE)
                return not (split and record.svol_mode == "rw")
        return False

    def mount(self, volume: VolumeRef, mount_point: Path, read_only: bool | None = None) -> bool:
        """Mount ``volume``; return True when the mount is read-only.

        ``read_only=None`` mounts read-only exactly when the volume is write-protected;
        ``read_only=False`` on a write-protected volume is refused (EX_INVVOL) and mounts
        nothing. A read-only mount is a link to the volume's read-only view, which refuses
        writes (``adapters.storage.read_only``: a read-only bind mount, else write bits removed;
        ``read_only_guard`` says which and whether it binds this process's own user). Writes
        that get through anyway (root without CAP_SYS_ADMIN) never reach the P-VOL, show in
        what ``unmount`` returns, and the next resync overwrites them.
        """
        protected = self.write_protected(volume)
        if read_only is False and protected:
            raise CciError(EX_INVVOL, f"{volume} is a write-protected S-VOL (split it with -rw to write)")
        read_only = protected if read_only is None else read_only
        self.volume_path(volume)
        super().mount(volume, mount_point, read_only)
        return read_only

    def wait_idle(self, timeout: float | None = None) -> None:
        """Wait for the copies this process runs (tests, CLI exit)."""
        self.runner.join(timeout)

    def recover(self) -> None:
        """Resume (or PSUE) copies whose owner process has died."""
        self.runner.recover()

    # -- applying transitions (lock held) ---------------------------------------------------
    def _apply(self, record: PairRecord, op: Op) -> PairRecord:
        transition = decide(record.copy_type, record.status, op)
        if transition.sync_first:
            self._sync_now(record)
        if transition.swap:
            record.pvol, record.svol = record.svol, record.pvol
        record.status, record.error = transition.status, None
        work = transition.work
        if op is Op.DELETE or op is Op.FAIL:
            record.epoch += 1  # a running copy sees the new epoch and stops
            record.owner = None
        if work is Work.SYNC_NOW:
            self._sync_now(record)
        elif work is Work.SNAPSHOT:
            self._snapshot(record)
        elif work is Work.DROP_SNAPSHOT and record.snapshot:
            self.pool(record.pvol.serial).delete(record.snapshot)
            record.snapshot = None
        if transition.status is PairStatus.SMPL:
            self._drop(record)
            return record
        if work in (Work.FORWARD_COPY, Work.REVERSE_COPY):
            record.direction = work.value
            record.epoch += 1
            record.bytes_done = record.bytes_total = 0
            record.owner = self.runner.token
            self.save(record)
            self.runner.start(record)
        else:
            self.save(record)
        return record

    def _sync_now(self, record: PairRecord) -> None:
        copy = self.pair_copy(record, record.pvol, record.svol)
        try:
            copy.run()
        except CapacityExceeded as error:
            raise CciError(EX_INVVOL, f"{record.pvol} -> {record.svol}: {error}") from None
        copy.commit()
        record.comparison, record.comparison_note = copy.comparison, copy.reason

    def _snapshot(self, record: PairRecord) -> None:
        """Take a snapshot of the P-VOL (``resync.snapshot_volume``: only what changed since)."""
        manifest = snapshot_volume(self.pool(record.pvol.serial), self.root, record.pvol.ldev,
                                   str(record.pvol), self.data_dir(record.pvol), self.journal)
        record.snapshot = manifest["id"]
        record.comparison, record.comparison_note = manifest["comparison"], manifest["full_reason"]

    def _materialize(self, volume: VolumeRef) -> None:
        record = next((r for r in self.records() if r.svol == volume and r.snapshot), None)
        marker = self.data_dir(volume).parent / f".{volume.ldev}.snapshot"
        if record is None or (marker.exists() and marker.read_text() == record.snapshot):
            return
        manifest = self.pool(record.pvol.serial).load(record.snapshot)
        marker.unlink(missing_ok=True)
        restore_snapshot(self.pool(record.pvol.serial), manifest, self.data_dir(volume))
        marker.write_text(record.snapshot)

