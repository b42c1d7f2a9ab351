"""What a host sees: its mount points, the LDEV behind each, and that LDEV's copy groups.

``discover(lab, host)`` is the query the agent uses to refresh its dictionary maps
(``drmfsdisplay -refresh``). Pass ``storage`` to add each pair's live status.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from adapters.lab.model import Lab
from adapters.lab.provision import mount_path, volume
from adapters.storage.base import StorageArray
from adapters.storage.pairs import CopyType


class CopyGroupView(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dev_group: str
    dev_name: str
    copy_type: CopyType
    mu: str
    generation: str
    role: str  # "P-VOL" or "S-VOL": the side this host's volume is on
    pvol_serial: str
    pvol_ldev: int
    svol_serial: str
    svol_ldev: int
    status: str | None = None


class HostVolume(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mount_point: str
    mounted: bool
    serial: str
    ldev: int
    copy_groups: tuple[CopyGroupView, ...]


def discover(lab: Lab, host: str, data_dir: Path, storage: StorageArray | None = None) -> list[HostVolume]:
    """The volumes of ``host`` with their copy groups; raises KeyError for an unknown host."""
    found = next((h for h in lab.hosts if h.name.lower() == host.lower()), None)
    if found is None:
        raise KeyError(host)
    result = []
    for mount in found.mounts:
        groups = []
        for cg in lab.copy_groups:
            sides = {(cg.pvol.array, cg.pvol.ldev): "P-VOL", (cg.svol.array, cg.svol.ldev): "S-VOL"}
            role = sides.get((mount.array, mount.ldev))
            if role is None:
                continue
            status = None
            if storage is not None:
                own = volume(mount.array, mount.ldev)
                record = storage.pairdisplay(own, cg.mu)
                status = "SMPL" if record is None else record.status_of(own).value
            groups.append(CopyGroupView(
                dev_group=cg.group, dev_name=cg.device, copy_type=cg.copy_type, mu=cg.mu,
                generation=cg.generation_name, role=role, pvol_serial=cg.pvol.array,
                pvol_ldev=cg.pvol.ldev, svol_serial=cg.svol.array, svol_ldev=cg.svol.ldev, status=status))
        point = mount_path(data_dir, mount.path, found.mount_roots)
        result.append(HostVolume(mount_point=str(point), mounted=point.is_symlink(), serial=mount.array,
                                 ldev=mount.ldev, copy_groups=tuple(groups)))
    return result
