"""Turning a checked lab into arrays, LDEVs, mounts and pairs under the data directory.

State: ``<data_dir>/lab/lab.json`` (the normalized lab), ``<data_dir>/arrays/`` (the arrays).
Mount points given as relative paths are relative to the data directory.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Iterable

from adapters.lab.model import Lab
from adapters.paths import confine
from adapters.storage.base import VolumeRef
from adapters.storage.metadata import read_json, write_json_atomic
from adapters.storage.kernel_mounts import mounts_under, unbind
from adapters.storage.simulated_array import SimulatedStorage


class LabExists(Exception):
    """A lab is already loaded in this data directory."""


def lab_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "lab"


def arrays_root(data_dir: Path) -> Path:
    return Path(data_dir) / "arrays"


def mount_path(data_dir: Path, path: str, roots: Iterable[str] = ()) -> Path:
    """The absolute mount point of ``path`` (relative ones are relative to the data directory),
    confined to the data directory and the host's ``mount_roots``: ``BadName`` or
    ``PathOutsideRoot`` (``adapters.paths``) otherwise."""
    return confine(path, [Path(data_dir), *roots], "mount point")


def volume(array: str, ldev: int) -> VolumeRef:
    return VolumeRef(serial=str(array), ldev=ldev)


def stored_lab(data_dir: Path) -> Lab | None:
    """The lab loaded into ``data_dir``, or None."""
    data = read_json(lab_dir(data_dir) / "lab.json")
    return None if data is None else Lab.model_validate(data)


def open_storage(data_dir: Path, read_only_guard: str = "auto") -> SimulatedStorage:
    return SimulatedStorage(arrays_root(data_dir), read_only_guard=read_only_guard)


def remove_lab(data_dir: Path) -> None:
    """Unmount the lab's volumes and delete its arrays and definition."""
    lab = stored_lab(data_dir)
    for host in lab.hosts if lab else ():
        for mount in host.mounts:
            point = mount_path(data_dir, mount.path, host.mount_roots)
            if point.is_symlink():
                point.unlink()
    for view in mounts_under(arrays_root(data_dir)):  # read-only views (bind guard)
        unbind(view)
    for path in (lab_dir(data_dir), arrays_root(data_dir)):
        shutil.rmtree(path, ignore_errors=True)


def provision(lab: Lab, data_dir: Path, *, source: Path | None = None, force: bool = False,
              populate: Callable[[Lab, Path], None] | None = None, timeout: float = 600) -> SimulatedStorage:
    """Create ``lab`` in ``data_dir``: arrays, LDEVs, mounts, then the pairs in their initial status.

    ``populate(lab, data_dir)`` may write files through the mounts before the pairs are made.
    Raises ``LabExists`` unless ``force`` when a lab is already there.
    """
    data_dir = Path(data_dir)
    if stored_lab(data_dir) is not None or arrays_root(data_dir).exists():
        if not force:
            raise LabExists(f"a lab is already loaded in {data_dir}")
        remove_lab(data_dir)
    storage = open_storage(data_dir)
    for array in lab.arrays:
        storage.define_array(array.serial, array.model)
        for ldev in array.ldevs:
            storage.create_ldev(volume(array.serial, ldev.id), ldev.size, ldev.port, ldev.target, ldev.lu)
    for host in lab.hosts:
        for mount in host.mounts:
            if mount.mounted:
                storage.mount(volume(mount.array, mount.ldev), mount_path(data_dir, mount.path, host.mount_roots))
    if populate:
        populate(lab, data_dir)
    for cg in lab.copy_groups:
        if cg.initial_status == "SMPL":
            continue
        pvol = volume(cg.pvol.array, cg.pvol.ldev)
        storage.paircreate(pvol, volume(cg.svol.array, cg.svol.ldev), cg.copy_type, cg.mu)
    for cg in lab.copy_groups:
        if cg.initial_status != "SMPL":
            pvol = volume(cg.pvol.array, cg.pvol.ldev)
            storage.pairevtwait(pvol, cg.mu, "PAIR", timeout)
            if cg.initial_status == "PSUS":
                storage.pairsplit(pvol, cg.mu)
    write_json_atomic(lab_dir(data_dir) / "lab.json", lab.model_dump(mode="json"))
    if source is not None and source.is_file():
        shutil.copyfile(source, lab_dir(data_dir) / f"source{source.suffix}")
    return storage
