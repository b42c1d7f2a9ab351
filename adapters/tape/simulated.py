"""A simulated tape library holding real bytes under the data directory.

Layout: ``<data_dir>/tape/<library>/<medium>/<label>/`` holds one archive: ``data/`` (the tree,
with modes, mtimes and symbolic links) and ``manifest.json`` (files, bytes, when). A write goes
to ``<medium>/.<label>.partial`` and is renamed into place only when complete, so a killed
write leaves only a ``.partial`` directory that ``discard_partial`` removes (agent recovery).
Copies use ``adapters.storage.copier.sync_tree`` (in-kernel ``copy_file_range``, a few threads),
which also makes a restore exact: files not in the archive are removed from the target.
"""
from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from adapters.storage.copier import sync_tree
from adapters.tape.base import TapeError

DEFAULT_MEDIA = ("MEDIA1",)
Progress = Callable[[int, int], None]


class SimulatedTapeLibrary:
    """``TapeLibrary`` on a directory (see the module docstring)."""

    def __init__(self, root: Path, media: tuple[str, ...] = DEFAULT_MEDIA) -> None:
        self.root, self._media = Path(root), tuple(media) or DEFAULT_MEDIA

    def media(self) -> tuple[str, ...]:
        return self._media

    def _archive(self, medium: str, label: str) -> Path:
        if medium not in self._media:
            raise TapeError(f"the medium {medium} is not in the library")
        if not label or "/" in label or label.startswith("."):
            raise TapeError(f"bad archive label {label!r}")
        return self.root / medium / label

    def exists(self, medium: str, label: str) -> bool:
        return (self._archive(medium, label) / "manifest.json").is_file()

    def write(self, medium: str, label: str, source: Path, progress: Progress | None = None) -> int:
        final = self._archive(medium, label)
        if final.exists():
            raise TapeError(f"the archive {label} is already on {medium}")
        partial = final.with_name(f".{label}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        (partial / "data").mkdir(parents=True)
        try:
            stats = sync_tree(Path(source).resolve(), partial / "data", progress=progress)
        except OSError as error:
            shutil.rmtree(partial, ignore_errors=True)
            raise TapeError(f"writing {label} to {medium} failed: {error}") from error
        manifest = {"label": label, "medium": medium, "files": stats.files_copied,
                    "bytes": stats.bytes_written,
                    "written_at": datetime.now(timezone.utc).isoformat()}
        (partial / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        os.replace(partial, final)
        return stats.bytes_written

    def read(self, medium: str, label: str, target: Path, progress: Progress | None = None) -> int:
        if not self.exists(medium, label):
            raise TapeError(f"the archive {label} is not on {medium}")
        try:
            stats = sync_tree(self._archive(medium, label) / "data", Path(target).resolve(),
                              progress=progress)
        except OSError as error:
            raise TapeError(f"reading {label} from {medium} failed: {error}") from error
        return stats.bytes_written

    def delete(self, medium: str, label: str) -> None:
        shutil.rmtree(self._archive(medium, label), ignore_errors=True)

    def discard_partial(self) -> list[str]:
        found = []
        for medium in self._media:
            for partial in sorted((self.root / medium).glob(".*.partial")):
                shutil.rmtree(partial, ignore_errors=True)
                found.append(partial.name[1:-len(".partial")])
        return found


def open_library(data_dir: Path, lab) -> SimulatedTapeLibrary:
    """The library of the lab's ``[tape_library]`` (``LIB01`` with ``MEDIA1`` when absent)."""
    spec = getattr(lab, "tape_library", None)
    name = spec.name if spec is not None else "LIB01"
    media = tuple(spec.media) if spec is not None and spec.media else DEFAULT_MEDIA
    return SimulatedTapeLibrary(Path(data_dir) / "tape" / name, media)
