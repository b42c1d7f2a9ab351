"""Arrays and LDEVs on disk, and mounting without root.

Layout under the arrays root::

    <root>/<serial>/array.json        serial, model, LDEVs (size limit, port/TID/LU)
    <root>/<serial>/ldev/<id>/        the file system of each LDEV (a directory tree)
    <root>/<serial>/pool/             Thin Image pool (chunks, snapshot manifests)

A mount is a symbolic link at the mount point pointing at the LDEV's directory; unmount
removes the link. Any program then reads and writes the volume with ordinary file I/O. A
read-only mount links to ``<root>/<serial>/ro/<id>`` (itself a link to the LDEV's directory),
so every process can tell the mode from the link alone (``mount_mode``); see
``SimulatedStorage.mount`` for what read-only does and does not guarantee.
"""
from __future__ import annotations

import os
from pathlib import Path

from adapters.storage.base import VolumeRef
from adapters.storage.errors import EX_ENOOBJ, EX_INVVOL, CciError
from adapters.storage.metadata import file_lock, read_json, write_json_atomic


class Volumes:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _array_file(self, serial: str) -> Path:
        return self.root / str(serial) / "array.json"

    def define_array(self, serial: str, model: str = "VSP") -> None:
        """Create the array ``serial`` (idempotent)."""
        with file_lock(self.root / f"{serial}.lock"):
            if read_json(self._array_file(serial)) is None:
                write_json_atomic(self._array_file(serial), {"serial": str(serial), "model": model, "ldevs": {}})

    def create_ldev(self, volume: VolumeRef, size: int, port: str = "", target: int = 0,
                    lu: int | None = None) -> Path:
        """Create an LDEV of at most ``size`` bytes (idempotent) and return its data directory."""
        with file_lock(self.root / f"{volume.serial}.lock"):
            data = read_json(self._array_file(volume.serial))
            if data is None:
                raise CciError(EX_ENOOBJ, f"array {volume.serial} does not exist")
            data["ldevs"][str(volume.ldev)] = {"size": size, "port": port, "target": target,
                                               "lu": volume.ldev if lu is None else lu}
            write_json_atomic(self._array_file(volume.serial), data)
        path = self.data_dir(volume)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def arrays(self) -> list[dict]:
        found = [read_json(p) for p in sorted(self.root.glob("*/array.json"))]
        return [a for a in found if a]

    def ldev_info(self, volume: VolumeRef) -> dict:
        """The LDEV's definition (size, port, target, lu); EX_ENOOBJ when unknown."""
        data = read_json(self._array_file(volume.serial))
        info = (data or {}).get("ldevs", {}).get(str(volume.ldev))
        if info is None:
            raise CciError(EX_ENOOBJ, f"LDEV {volume} does not exist")
        return info

    def data_dir(self, volume: VolumeRef) -> Path:
        return self.root / str(volume.serial) / "ldev" / str(volume.ldev)

    def pool_dir(self, serial: str) -> Path:
        return self.root / str(serial) / "pool"

    def ro_view(self, volume: VolumeRef) -> Path:
        """The read-only view of a volume: a link ``<serial>/ro/<ldev>`` -> ``../ldev/<ldev>``."""
        view = self.root / str(volume.serial) / "ro" / str(volume.ldev)
        if not view.is_symlink():
            view.parent.mkdir(parents=True, exist_ok=True)
            tmp = view.with_name(f".{volume.ldev}.{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)
            os.symlink(Path("..") / "ldev" / str(volume.ldev), tmp, target_is_directory=True)
            os.replace(tmp, view)
        return view

    def mount(self, volume: VolumeRef, mount_point: Path, read_only: bool = False) -> None:
        """Link ``mount_point`` to the volume (or, ``read_only``, to its read-only view)."""
        self.ldev_info(volume)
        target = self.ro_view(volume) if read_only else self.data_dir(volume)
        if mount_point.is_symlink():
            if Path(os.readlink(mount_point)) == target:
                return
            if self.mounted_volume(mount_point) != volume:
                raise CciError(EX_INVVOL, f"{mount_point} already has another volume mounted")
            tmp = mount_point.with_name(f".{mount_point.name}.{os.getpid()}.tmp")  # same volume,
            tmp.unlink(missing_ok=True)  # other mode: switch the link atomically
            os.symlink(target, tmp, target_is_directory=True)
            os.replace(tmp, mount_point)
            return
        if mount_point.exists():
            if not mount_point.is_dir() or any(mount_point.iterdir()):
                raise CciError(EX_INVVOL, f"mount point {mount_point} is not an empty directory")
            mount_point.rmdir()
        mount_point.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, mount_point, target_is_directory=True)

    def mount_mode(self, mount_point: Path) -> str | None:
        """"ro" or "rw" for a mount of these arrays' volumes, None when nothing is mounted."""
        if self.mounted_volume(mount_point) is None:
            return None
        return "ro" if Path(os.readlink(mount_point)).parent.name == "ro" else "rw"

    def unmount(self, mount_point: Path) -> None:
        if not mount_point.is_symlink():
            raise CciError(EX_INVVOL, f"nothing is mounted at {mount_point}")
        mount_point.unlink()

    def mounted_volume(self, mount_point: Path) -> VolumeRef | None:
        """The volume mounted at ``mount_point``, if one of these arrays' volumes is."""
        if not mount_point.is_symlink():
            return None
        target = Path(os.readlink(mount_point))
        try:
            rel = target.relative_to(self.root)
        except ValueError:
            return None
        serial, _, ldev = rel.parts[:3]
        return VolumeRef(serial=serial, ldev=int(ldev))
