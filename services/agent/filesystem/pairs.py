"""Pair and mount steps: each one an intent event, the adapter call, then its outcome event.

``Steps`` wraps the storage adapter and ``context.record``; a ``StepFailed`` carries the step
name and the error after ``PairStepFailed`` has been recorded. Copies that run longer than a
second report progress through ``context.progress``.
"""
from __future__ import annotations

import time
from pathlib import Path

from adapters.storage.base import VolumeRef
from adapters.storage.errors import EX_EWSTOT, CciError, StorageError
from events import filesystem as fs
from events.maps import CopyGroupMap

WAIT_SLICE = 1.0
COPY_TIMEOUT = 3600.0


class StepFailed(Exception):
    def __init__(self, step: str, error: Exception) -> None:
        super().__init__(f"{step}: {error}")
        self.step, self.error = step, error


def ref(device: str) -> VolumeRef:
    serial, _, ldev = device.partition(":")
    return VolumeRef(serial=serial, ldev=int(ldev))


def live_status(storage, group: CopyGroupMap) -> str:
    record = storage.pairdisplay(ref(group.pvol), group.mu)
    return "SMPL" if record is None else record.status_of(ref(group.pvol)).value


class Steps:
    """The effectful steps of one workflow (``workflow_id``) on one host."""

    def __init__(self, context, workflow_id: str, timeout: float = COPY_TIMEOUT) -> None:
        self.context, self.workflow_id, self.timeout = context, workflow_id, timeout
        self.storage = context.ports.storage

    def record(self, *payloads) -> None:
        self.context.record(list(payloads))

    # -- pairs -----------------------------------------------------------------------------------
    def make_pair(self, group: CopyGroupMap) -> None:
        """Bring the pair to PAIR: create it (SMPL), resync it (PSUS/PSUE) or wait (COPY)."""
        status = live_status(self.storage, group)
        if status == "PAIR":
            return
        direction = "initial" if status == "SMPL" else "forward"
        self.record(fs.PairResyncRequested(workflow_id=self.workflow_id,
                                           copy_group=group.copy_group, direction=direction))
        pvol = ref(group.pvol)
        try:
            if status == "SMPL":
                self.storage.paircreate(pvol, ref(group.svol), group.copy_type, group.mu)
            elif status in ("PSUS", "PSUE"):
                self.storage.pairresync(pvol, group.mu)
            record = self.wait(group, "PAIR")
        except StorageError as error:
            self.failed(group, "resync", error)
        self.record(fs.PairResynced(workflow_id=self.workflow_id, copy_group=group.copy_group,
                                    direction=direction, status="PAIR",
                                    bytes_copied=record.bytes_written if record else 0))

    def restore_pair(self, group: CopyGroupMap) -> None:
        """Reverse resync S-VOL -> P-VOL (RCPY) and wait for PAIR."""
        self.record(fs.PairResyncRequested(workflow_id=self.workflow_id,
                                           copy_group=group.copy_group, direction="reverse"))
        try:
            self.storage.pairresync(ref(group.pvol), group.mu, restore=True)
            record = self.wait(group, "PAIR")
        except StorageError as error:
            self.failed(group, "restore", error)
        self.record(fs.PairResynced(workflow_id=self.workflow_id, copy_group=group.copy_group,
                                    direction="reverse", status="PAIR",
                                    bytes_copied=record.bytes_written if record else 0))

    def split(self, group: CopyGroupMap) -> None:
        self.record(fs.PairSplitRequested(workflow_id=self.workflow_id,
                                          copy_group=group.copy_group))
        try:
            self.storage.pairsplit(ref(group.pvol), group.mu)
        except StorageError as error:
            self.failed(group, "split", error)
        self.record(fs.PairSplit(workflow_id=self.workflow_id, copy_group=group.copy_group,
                                 pvol_status="PSUS", svol_status="SSUS"))

    def wait(self, group: CopyGroupMap, status: str):
        """``pairevtwait`` in one-second slices, with a progress line per slice after the first."""
        pvol, started = ref(group.pvol), time.monotonic()
        while True:
            try:
                return self.storage.pairevtwait(pvol, group.mu, status, WAIT_SLICE)
            except CciError as error:
                if error.code != EX_EWSTOT or time.monotonic() - started > self.timeout:
                    raise
            record = self.storage.pairdisplay(pvol, group.mu)
            if record is not None:
                self.context.progress(f"{group.copy_group}: {record.status.value} "
                                      f"{record.percent}%")

    def failed(self, group: CopyGroupMap, operation: str, error: Exception):
        try:
            status = live_status(self.storage, group)
        except StorageError:
            status = ""
        self.record(fs.PairStepFailed(workflow_id=self.workflow_id, copy_group=group.copy_group,
                                      operation=operation, error=str(error), status=status))
        raise StepFailed(f"{operation} {group.copy_group}", error) from error

    # -- mounts ----------------------------------------------------------------------------------
    def unmount(self, mount_point: str) -> None:
        self.record(fs.VolumeUnmountRequested(workflow_id=self.workflow_id,
                                              mount_point=mount_point))
        try:
            self.storage.unmount(Path(mount_point))
        except StorageError as error:
            raise StepFailed(f"unmount {mount_point}", error) from error
        self.record(fs.VolumeUnmounted(workflow_id=self.workflow_id, mount_point=mount_point))

    def mount(self, mount_point: str, device: str) -> None:
        """Mount ``device`` at ``mount_point``; a mount point already holding it counts as done."""
        self.record(fs.VolumeMountRequested(workflow_id=self.workflow_id,
                                            mount_point=mount_point))
        self.storage.mount(ref(device), Path(mount_point))
        self.record(fs.VolumeMounted(workflow_id=self.workflow_id, mount_point=mount_point))
