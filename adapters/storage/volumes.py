"""Arrays and LDEVs on disk, and mounting without root.

Layout under the arrays root::

    <root>/<serial>/array.json        serial, model, LDEVs (size limit, port/TID/LU)
    <root>/<serial>/ldev/<id>/        the file system of each LDEV (a directory tree)
    <root>/<serial>/pool/             Thin Image pool (chunks, snapshot manifests)

A mount is a symbolic link at the mount point pointing at the LDEV's directory; unmount
removes the link. Any program then reads and writes the volume with ordinary file I/O. A
read-only mount links to ``<root>/<serial>/ro/<id>``, the volume's read-only view, so every
process can tell the mode from the link alone (``mount_mode``). The view refuses writes: a
read-only bind mount of the LDEV's directory where the process may mount, else the tree's
write bits removed (``read_only.ReadOnlyGuards``); a digest taken when the first read-only
mount is made is compared when the last one goes, and ``unmount`` returns what changed.
"""
from __future__ import annotations

import os
from pathlib import Path

from adapters.storage.base import VolumeRef
from adapters.storage.errors import EX_ENOOBJ, EX_INVVOL, CciError
from adapters.storage.metadata import file_lock, read_json, write_json_atomic
from adapters.storage.read_only import GuardInfo, ReadOnlyGuards
from adapters.storage.tree_digest import Changes


class Volumes:
    def __init__(self, root: Path, read_only_guard: str = "auto") -> None:
        self.root = root
        self.guards = ReadOnlyGuards(read_only_guard)

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
        """The read-only view of a volume, ``<serial>/ro/<ldev>`` (set up by its guard)."""
        return self.root / str(volume.serial) / "ro" / str(volume.ldev)

    def read_only_guard(self, volume: VolumeRef) -> GuardInfo | None:
        """How the volume's read-only view refuses writes, while it is mounted read-only."""
        return self.guards.info(self.ro_view(volume))

    def mount(self, volume: VolumeRef, mount_point: Path, read_only: bool = False) -> None:
        """Link ``mount_point`` to the volume (or, ``read_only``, to its guarded read-only
        view); the same volume already there in the other mode is switched atomically."""
        self.ldev_info(volume)
        target = self.ro_view(volume) if read_only else self.data_dir(volume)
        if mount_point.is_symlink():
            if Path(os.readlink(mount_point)) == target:
                return
            if self.mounted_volume(mount_point) != volume:
                raise CciError(EX_INVVOL, f"{mount_point} already has another volume mounted")
            was_read_only = self.mount_mode(mount_point) == "ro"
            if read_only:
                self.guards.protect(self.data_dir(volume), target, mount_point)
            tmp = mount_point.with_name(f".{mount_point.name}.{os.getpid()}.tmp")  # same volume,
            tmp.unlink(missing_ok=True)  # other mode: switch the link atomically
            os.symlink(target, tmp, target_is_directory=True)
            os.replace(tmp, mount_point)
            if was_read_only and not read_only:
                self.guards.release(self.data_dir(volume), self.ro_view(volume), mount_point)
            return
        if mount_point.exists():
            if not mount_point.is_dir() or any(mount_point.iterdir()):
                raise CciError(EX_INVVOL, f"mount point {mount_point} is not an empty directory")
            mount_point.rmdir()
        mount_point.parent.mkdir(parents=True, exist_ok=True)
        if read_only:
            self.guards.protect(self.data_dir(volume), target, mount_point)
        os.symlink(target, mount_point, target_is_directory=True)

    def mount_mode(self, mount_point: Path) -> str | None:
        """"ro" or "rw" for a mount of these arrays' volumes, None when nothing is mounted."""
        if self.mounted_volume(mount_point) is None:
            return None
        return "ro" if Path(os.readlink(mount_point)).parent.name == "ro" else "rw"

    def unmount(self, mount_point: Path) -> Changes | None:
        """Remove the link; for the last read-only mount of a volume, undo its guard and
        return what changed in it since it was mounted (``Changes``, false when nothing did);
        None for a writable mount or while other read-only mounts of the volume remain."""
        if not mount_point.is_symlink():
            raise CciError(EX_INVVOL, f"nothing is mounted at {mount_point}")
        volume = self.mounted_volume(mount_point)
        read_only = self.mount_mode(mount_point) == "ro"
        mount_point.unlink()
        if volume is None or not read_only:
            return None
        return self.guards.release(self.data_dir(volume), self.ro_view(volume), mount_point)

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
