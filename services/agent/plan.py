"""The steps a plan is made of: what a ``decide`` function asks the world to do, as data.

A decide function returns the events to record first and a tuple of these steps; the one
``services.agent.runner.StepRunner`` carries each out (intent event, port call, outcome event).
Pure: plain frozen dataclasses over the maps' and events' own types, no adapter, no store.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

from events.maps import CopyGroupMap
from events.tape import SvolMountRequested
from events.transfer import ImportRequested
from events.user_script import ScriptCommand


@dataclass(frozen=True)
class MakePair:
    """Bring the pair to PAIR: create it (SMPL), resync it (PSUS/PSUE) or wait (COPY)."""

    group: CopyGroupMap


@dataclass(frozen=True)
class RestorePair:
    """Reverse resync S-VOL -> P-VOL (RCPY) and wait for PAIR."""

    group: CopyGroupMap


@dataclass(frozen=True)
class Split:
    group: CopyGroupMap


@dataclass(frozen=True)
class Unmount:
    """Take a P-VOL's file system down; the runner mounts it again if the plan fails later."""

    mount_point: str
    device: str


@dataclass(frozen=True)
class Mount:
    """Mount ``device`` at ``mount_point`` (a mount point already holding it counts as done).
    A plan runs every ``Mount`` even after another one failed."""

    mount_point: str
    device: str


@dataclass(frozen=True)
class MountSvol:
    """Mount an S-VOL as its recorded intent says (``pairsplit -rw`` first when writable)."""

    request: SvolMountRequested


@dataclass(frozen=True)
class WriteTape:
    copy_group: str
    medium: str
    label: str
    source: Path


@dataclass(frozen=True)
class ReadTape:
    """Read one archive back; its manifest must be the one recorded (``manifest_hash``,
    when the catalog has it)."""

    copy_group: str
    medium: str
    label: str
    target: Path
    manifest_hash: str = ""


@dataclass(frozen=True)
class SendToPeer:
    """Publish the import command of a recorded ``ImportRequested``; ``ImportSent`` after."""

    requested: ImportRequested
    reply_to: str | None
    cause_id: str


@dataclass(frozen=True)
class RunScriptCommand:
    """Run one user script command: here, or on ``remote_host``'s agent (``LOCATION=REMOTE``);
    ``drmenv`` holds the ``DRMENV_*`` values it gets."""

    section: str
    index: int
    command: ScriptCommand
    drmenv: tuple[tuple[str, str], ...] = ()
    remote_host: str | None = None
    import_command_id: str | None = None


# -- applications (issue 13, sql-backup) --------------------------------------------------------
@dataclass(frozen=True)
class Freeze:
    """Hold the writes of ``databases`` of the ``kind`` application's ``instance`` for at most
    ``timeout`` seconds, writing their metadata in ``metadata_dir`` (None: beside the data on
    the P-VOL) named after ``backup_id``. The runner thaws it if the plan fails later."""

    kind: str
    instance: str
    databases: tuple[str, ...]
    timeout: float
    metadata_dir: Path | None
    backup_id: str
    # issue 14 (pg-more): keyword options for this kind's ``freeze`` only (PostgreSQL:
    # ``(("fast", False),)`` for a spread checkpoint); empty for every other application
    options: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Thaw:
    """Release the freeze an earlier ``Freeze`` of the same ``kind`` and ``instance`` holds;
    fails (``frozen-timeout``) when the instance had already let go."""

    kind: str
    instance: str
    databases: tuple[str, ...] = ()


PlanStep = Union[MakePair, RestorePair, Split, Unmount, Mount, MountSvol, WriteTape, ReadTape,
                 SendToPeer, RunScriptCommand, Freeze, Thaw]
