"""The one step runner: every effect of every workflow goes through ``StepRunner.step``.

``step`` records the intent event, calls the port, records the outcome event; when the call
fails it records the failure event (if the step has one) and raises ``StepFailed`` with the
step's name. ``run`` carries out one plan step (``services.agent.plan``) on the host's ports,
``run_plan`` a sequence of them with the compensation every plan needs: a failed step stops the
plan after every application it froze is thawed (on any exception) and every file system it took
down is mounted again, and every ``Mount`` runs even after another failed. Consecutive
``MakePair`` steps run as one batch (``services.agent.pair_steps``: every resync is issued
before the first wait). The workflows (file-system backup, restore and resync, S-VOL mounts,
tape copies, the auto-import's send) and the start-up recoveries all use it. Copies that run
longer than a second report progress through ``context.progress``.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Sequence, TypeVar

from adapters.storage.errors import StorageError
from adapters.tape import ArchiveCopy, TapeError
from events import CommandEnvelope, filesystem as fs, tape
from events.base import Payload
from events.transfer import ImportBackup, ImportSent
from services.agent.backup_server.decide import svol_groups
from services.agent.application import steps as application_steps  # issue 13
from services.agent.plan import (Freeze, MakePair, Mount, MountSvol, PlanStep, ReadTape,
                                 RestorePair, RunScriptCommand, SendToPeer, Split, Thaw, Unmount,
                                 WriteTape)
from services.agent.pair_steps import (  # noqa: F401  (ref, live_status, wait: re-exported)
    batched, live_status, make_pair, make_pairs, ref, restore_pair, split, wait)
from services.agent.scripting import run_script_command
from services.agent.step_errors import StepFailed  # noqa: F401  (re-exported: its old home)

T = TypeVar("T")
COPY_TIMEOUT = 3600.0
PROGRESS_EVERY = 1.0


class StepRunner:
    """The effectful steps of one workflow (``workflow_id``) on one host."""

    def __init__(self, context, workflow_id: str, timeout: float | None = None) -> None:
        """``timeout``: seconds a pair operation may take; by default the command's pair wait
        (``DEFAULT.dat``, ``services.agent.configuration``), else ``COPY_TIMEOUT``."""
        if timeout is None:
            timeout = getattr(context, "pair_wait_timeout", None) or COPY_TIMEOUT
        self.context, self.workflow_id, self.timeout = context, workflow_id, timeout
        self.storage = context.ports.storage
        self.holds: dict = {}  # (kind, instance) -> the application freeze held (issue 13)
        self.application_metadata: list = []  # metadata files the freezes and thaws wrote

    def record(self, *payloads: Payload) -> None:
        self.context.record(list(payloads))

    def step(self, name: str, intent: Sequence[Payload], call: Callable[[], T],
             outcome: Callable[[T], Sequence[Payload]],
             failure: Callable[[Exception], Sequence[Payload]] | None = None,
             errors: tuple[type[Exception], ...] = (StorageError,)) -> T:
        """Record ``intent``, ``call()`` the port, record ``outcome(result)``; on one of
        ``errors`` record ``failure(error)`` and raise ``StepFailed``."""
        self.context.record(list(intent))
        try:
            result = call()
        except errors as error:
            if failure is not None:
                self.context.record(list(failure(error)))
            raise StepFailed(name, error) from error
        self.context.record(list(outcome(result)))
        return result

    # -- plans -----------------------------------------------------------------------------------
    def run_plan(self, steps: Sequence[PlanStep]) -> None:
        """Run ``steps`` in order (see the module docstring for the compensation)."""
        down: dict[str, str] = {}  # mount point -> device taken down, not yet mounted again
        problems: list[StepFailed] = []
        try:
            for planned in batched(steps):
                if isinstance(planned, tuple):  # consecutive MakePair steps: one batch
                    make_pairs(self, planned)
                    continue
                if isinstance(planned, Mount):
                    down.pop(planned.mount_point, None)
                    try:
                        self.run(planned)
                    except StepFailed as error:  # recovery retries it at the next start
                        problems.append(error)
                    continue
                self.run(planned)
                if isinstance(planned, Unmount):
                    down[planned.mount_point] = planned.device
        except BaseException as error:
            application_steps.thaw_all(self)  # issue 13: never leave an application frozen
            if not isinstance(error, StepFailed):
                raise
            for point, device in down.items():
                try:
                    self.run(Mount(point, device))
                except StepFailed:
                    pass  # recovery retries it at the next start
            raise
        if problems:
            raise problems[0]

    def run(self, planned: PlanStep):
        """Carry out one plan step; returns what its port call returned."""
        return _RUNS[type(planned)](self, planned)

    # -- mounts ----------------------------------------------------------------------------------
    def unmount(self, planned: Unmount) -> None:
        wf, point = self.workflow_id, planned.mount_point
        self.step(f"unmount {point}", [fs.VolumeUnmountRequested(workflow_id=wf,
                                                                 mount_point=point)],
                  lambda: self.storage.unmount(Path(point)),
                  lambda _: [fs.VolumeUnmounted(workflow_id=wf, mount_point=point)])

    def mount(self, planned: Mount) -> None:
        wf, point = self.workflow_id, planned.mount_point
        self.step(f"remount {point}", [fs.VolumeMountRequested(workflow_id=wf,
                                                               mount_point=point)],
                  lambda: self.storage.mount(ref(planned.device), Path(point)),
                  lambda _: [fs.VolumeMounted(workflow_id=wf, mount_point=point)])

    def mount_svol(self, planned: MountSvol) -> tape.SvolMounted:
        """The intent was recorded with the plan's events; the outcome is ``SvolMounted``."""
        request = planned.request
        group, _ = svol_groups(self.context.view)[request.copy_group]

        def call() -> bool:
            # a dissolved pair (``pairsplit -S``: SMPL) leaves a plain, writable volume
            if request.writable and self.storage.pairdisplay(ref(group.pvol), group.mu):
                self.storage.pairsplit(ref(group.pvol), group.mu, read_write=True)
            return self.storage.mount(ref(request.device or group.svol),
                                      Path(request.mount_point),
                                      read_only=False if request.writable else None)

        read_only = self.step(f"mount {request.copy_group}", [], call, lambda _: [],
                              errors=(StorageError, OSError))
        mounted = tape.SvolMounted(workflow_id=request.workflow_id,
                                   copy_group=request.copy_group,
                                   mount_point=request.mount_point,
                                   backup_id=request.backup_id, read_only=read_only)
        self.record(mounted)
        return mounted

    # -- tape ------------------------------------------------------------------------------------
    def write_tape(self, planned: WriteTape) -> ArchiveCopy:
        """The archive of one copy group; ``TapeArchiveWritten`` once it is on the medium."""
        lib = self.context.ports.tape
        progress = _Progress(self.context, f"{planned.copy_group} -> {planned.medium}")
        return self._tape_step(f"write {planned.label}", planned, tape.TapeArchiveWritten,
                               lambda: lib.write(planned.medium, planned.label, planned.source,
                                                 progress))

    def read_tape(self, planned: ReadTape) -> ArchiveCopy:
        """One archive back onto its S-VOL; ``TapeArchiveRead`` once every file is checked."""
        lib = self.context.ports.tape
        progress = _Progress(self.context, f"{planned.medium} -> {planned.copy_group}")
        return self._tape_step(f"read {planned.label}", planned, tape.TapeArchiveRead,
                               lambda: lib.read(planned.medium, planned.label, planned.target,
                                                progress, planned.manifest_hash))

    def _tape_step(self, name: str, planned, outcome, call) -> ArchiveCopy:
        started = self.context.clock()
        return self.step(name, [], call, lambda copy: [outcome(
            workflow_id=self.workflow_id, copy_group=planned.copy_group,
            medium=planned.medium, label=planned.label, bytes=copy.bytes, files=copy.files,
            started_at=started, ended_at=self.context.clock())], errors=(TapeError, OSError))

    # -- peers -----------------------------------------------------------------------------------
    def send_to_peer(self, planned: SendToPeer) -> bool:
        """Publish the import command; its intent (``ImportRequested``) is already recorded."""
        requested, context = planned.requested, self.context
        peer = CommandEnvelope(
            command_id=requested.command_id, target_host=requested.target_host,
            principal=f"agent@{context.host}", issued_at=context.clock(),
            reply_to=planned.reply_to, correlation_id=requested.workflow_id,
            causation_id=planned.cause_id,
            command=ImportBackup(document=requested.document,
                                 mount_point=requested.mount_point))
        return self.step(f"send {requested.command_id}", [],
                         lambda: context.ports.peers.send(peer),
                         lambda present: [ImportSent(
                             workflow_id=requested.workflow_id, command_id=peer.command_id,
                             target_host=peer.target_host, consumer_present=present)],
                         errors=())


    # -- user scripts ----------------------------------------------------------------------------
    def run_script(self, planned: RunScriptCommand):
        """Intent, the command (here or on the backup server's agent), outcome; a command that
        could not run at all records its end (return code -1) and fails the step."""
        return run_script_command(self, planned)


class _Progress:
    def __init__(self, context, what: str) -> None:
        self.context, self.what, self.last = context, what, time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            percent = done * 100 // total if total else 100
            self.context.progress(f"{self.what}: {percent}%")


_RUNS: dict[type, Callable] = {
    MakePair: make_pair, RestorePair: restore_pair, Split: split, Unmount: StepRunner.unmount, Mount: StepRunner.mount,
    MountSvol: StepRunner.mount_svol, WriteTape: StepRunner.write_tape,
    ReadTape: StepRunner.read_tape, SendToPeer: StepRunner.send_to_peer,
    RunScriptCommand: StepRunner.run_script,
    Freeze: application_steps.freeze, Thaw: application_steps.thaw,  # issue 13 (sql-backup)
}
