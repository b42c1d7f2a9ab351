"""The backup server's devices: concealed S-VOLs (``drmdevctl``), read-only mounts that refuse
writes, the copy group mount definition file (``CG_MP.conf``) and forced mounts.

Events (past tense, on the stream of the host whose OS sees the devices, the backup server):
- ``SvolsConcealed`` / ``SvolsRevealed``: S-VOL devices hidden from or shown to the host's OS,
  ``by`` ``drmdevctl`` (``-detach``/``-attach``), or by a mount that revealed them and the
  unmount that hid them again (``DEVICE_DETACH=ENABLE``: dynamic recognition).
- ``ReadOnlyMountGuarded``: how a read-only S-VOL mount refuses writes (recorded after its
  ``SvolMounted``); ``ReadOnlyMountChanged``: what ``drmumount`` found changed in it.
- ``MountDefinitionUpdated``: ``drmmount -conf`` wrote the mounts of a backup ID into
  ``CG_MP.conf``.
- ``SvolIdentityOverridden``: ``drmmount -force`` mounted a copy group whose volumes differ from
  those recorded at backup.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.base import Payload
from events.command_base import BACKUP_SERVER, EXCLUSIVE, QUERY, Command
from events.fs_commands import BACKUP_ID_PATTERN
from events.registry import REGISTRY

MAX_REPORTED_CHANGES = 100  # changed paths one ReadOnlyMountChanged names (its total counts all)


class SvolsConcealed(Payload):
    copy_groups: tuple[str, ...]
    devices: tuple[str, ...]  # the S-VOLs, "<serial>:<ldev>", in the order of copy_groups
    by: Literal["drmdevctl", "unmount"]
    backup_id: str = ""


class SvolsRevealed(Payload):
    copy_groups: tuple[str, ...]
    devices: tuple[str, ...]
    by: Literal["drmdevctl", "mount"]
    backup_id: str = ""


class ReadOnlyMountGuarded(Payload):
    copy_group: str
    mount_point: str
    device: str
    guard: Literal["bind", "modes", "none"]
    enforced: bool  # the guard refuses the writes of the agent's own user too
    entries: int  # entries digested at mount
    partial: bool = False  # the digest stopped at its limit


class ReadOnlyMountChanged(Payload):
    copy_group: str
    mount_point: str
    device: str
    total: int
    paths: tuple[str, ...] = Field(default=(), max_length=MAX_REPORTED_CHANGES)
    partial: bool = False


class MountDefinitionUpdated(Payload):
    file: str
    backup_id: str
    copy_groups: tuple[str, ...]
    mount_points: tuple[str, ...]


class SvolIdentityOverridden(Payload):
    copy_group: str
    backup_id: str = ""
    side: Literal["P-VOL", "S-VOL"] = "P-VOL"
    recorded: str  # P-VOL: the entry's (at backup); S-VOL: the dictionary map's
    current: str  # P-VOL: the map's now; S-VOL: the one the array pairs with the P-VOL now


for _model in (SvolsConcealed, SvolsRevealed, ReadOnlyMountGuarded, ReadOnlyMountChanged,
               MountDefinitionUpdated, SvolIdentityOverridden):
    REGISTRY.register(_model.__name__, _model)


# -- commands ------------------------------------------------------------------------------------
class ConcealSvols(Command, console=("drmdevctl",), concurrency=EXCLUSIVE, roles=BACKUP_SERVER):
    """``drmdevctl -detach``: hide every S-VOL this host sees from its OS (none may be mounted)."""

    name: Literal["ConcealSvols"] = "ConcealSvols"


class RevealSvols(Command, console=("drmdevctl",), concurrency=EXCLUSIVE, roles=BACKUP_SERVER):
    """``drmdevctl -attach``: show every concealed S-VOL to this host's OS again."""

    name: Literal["RevealSvols"] = "RevealSvols"


class ShowDevices(Command, console=("drmdevctl",), concurrency=QUERY, roles=BACKUP_SERVER):
    """``drmdevctl`` without an option (ours): the S-VOLs this host sees and their state.
    Result: ``{"devices": [{"copy_group", "device", "concealed", "mounted_at", "guard"}],
    "device_detach": "ENABLE"|"DISABLE"}``; with ``backup_id``, only its copy groups."""

    name: Literal["ShowDevices"] = "ShowDevices"
    backup_id: str | None = Field(default=None, pattern=BACKUP_ID_PATTERN)


DEVICE_COMMANDS = (ConcealSvols, RevealSvols, ShowDevices)
