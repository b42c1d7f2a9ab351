"""Dictionary-map events: what the agent discovered about its host's volumes and copy groups."""
from __future__ import annotations

from events.base import Payload
from events.registry import REGISTRY


class CopyGroupMap(Payload):
    """One copy group of a volume: ``dev_group,dev_name``, its generation and both volumes."""

    copy_group: str  # "VG01,dev01"
    copy_type: str  # SI, TI, COW, TC, UR
    copy_func: str  # ShadowImage, ThinImage, CopyOnWrite, TrueCopy, UniversalReplicator
    mu: str
    generation: str  # local_0 … / remote_0 …
    role: str  # P-VOL or S-VOL: the side this host's volume is on
    pvol: str  # "<serial>:<ldev>"
    svol: str


class VolumeMap(Payload):
    """A mount point of the host (core map) and the copy groups of its volume (CG map)."""

    mount_point: str
    device: str  # the volume, as "<serial>:<ldev>"
    file_system: str = "simfs"
    copy_groups: tuple[CopyGroupMap, ...] = ()


class DictionaryMapRefreshed(Payload):
    """The whole map of the host as discovered now; it replaces the previous one."""

    volumes: tuple[VolumeMap, ...]
    reason: str = "refresh"  # refresh | missing-object


REGISTRY.register("DictionaryMapRefreshed", DictionaryMapRefreshed)
