"""A simulated tape library holding real bytes under the data directory.

Layout: ``<data_dir>/tape/<library>/<medium>/<label>.tar`` is one archive: one tar stream
(``adapters.tape.tar_format``: ``tar -tvf`` lists it, ``tar -xpf`` extracts it) ending with its
manifest. A write goes to ``<medium>/.<label>.tar.partial``, is flushed to disk (``fsync``) and
only then renamed into place (and the medium directory synced), so an archive is complete or
absent: a killed write leaves only a ``.partial`` file that ``discard_partial`` removes (agent
recovery) and that nothing reads. A read checks the medium against its manifest
(``adapters.tape.tar_reader``) and makes the target exactly the archive's tree.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from adapters.tape.base import ArchiveCopy, Progress, TapeError
from adapters.tape.tar_reader import read_archive
from adapters.tape.tar_writer import write_archive

DEFAULT_MEDIA = ("MEDIA1",)
SUFFIX = ".tar"
PARTIAL = ".partial"


class SimulatedTapeLibrary:
    """``TapeLibrary`` on a directory (see the module docstring)."""

    def __init__(self, root: Path, media: tuple[str, ...] = DEFAULT_MEDIA) -> None:
        self.root, self._media = Path(root), tuple(media) or DEFAULT_MEDIA

    def media(self) -> tuple[str, ...]:
        return self._media

    def archive_path(self, medium: str, label: str) -> Path:
        """The file of archive ``label`` on ``medium`` (``TapeError`` for a bad name)."""
        if medium not in self._media:
            raise TapeError(f"the medium {medium} is not in the library")
        if not label or "/" in label or "\x00" in label or label.startswith(".") \
                or len(label) > 200:
            raise TapeError(f"bad archive label {label!r}")
        return self.root / medium / f"{label}{SUFFIX}"

    def exists(self, medium: str, label: str) -> bool:
        return self.archive_path(medium, label).is_file()

    def write(self, medium: str, label: str, source: Path,
              progress: Progress | None = None) -> ArchiveCopy:
        final = self.archive_path(medium, label)
        if final.exists():
            raise TapeError(f"the archive {label} is already on {medium}")
        partial = final.with_name(f".{final.name}{PARTIAL}")
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                stats = write_archive(Path(source).resolve(), fd, label, progress,
                                      mtime=int(time.time()))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.rename(partial, final)
            _sync_directory(final.parent)
        except (OSError, TapeError) as error:
            partial.unlink(missing_ok=True)
            if isinstance(error, TapeError):
                raise
            raise TapeError(f"writing {label} to {medium} failed: {error}") from error
        return ArchiveCopy(stats.bytes, stats.files, stats.manifest_hash)

    def read(self, medium: str, label: str, target: Path, progress: Progress | None = None,
             manifest_hash: str = "") -> ArchiveCopy:
        path = self.archive_path(medium, label)
        if not path.is_file():
            raise TapeError(f"the archive {label} is not on {medium}")
        try:
            manifest = read_archive(path, Path(target).resolve(), label, progress,
                                    manifest_hash)
        except TapeError as error:
            raise type(error)(f"reading {label} from {medium} refused: {error}") from error
        except OSError as error:
            raise TapeError(f"reading {label} from {medium} failed: {error}") from error
        return ArchiveCopy(manifest.bytes, manifest.files, manifest.digest)

    def delete(self, medium: str, label: str) -> None:
        self.archive_path(medium, label).unlink(missing_ok=True)

    def discard_partial(self) -> list[str]:
        found = []
        for medium in self._media:
            for partial in sorted((self.root / medium).glob(f".*{SUFFIX}{PARTIAL}")):
                partial.unlink(missing_ok=True)
                found.append(partial.name[1:-len(SUFFIX + PARTIAL)])
        return found


def _sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_library(data_dir: Path, lab) -> SimulatedTapeLibrary:
    """The library of the lab's ``[tape_library]`` (``LIB01`` with ``MEDIA1`` when absent)."""
    spec = getattr(lab, "tape_library", None)
    name = spec.name if spec is not None else "LIB01"
    media = tuple(spec.media) if spec is not None and spec.media else DEFAULT_MEDIA
    return SimulatedTapeLibrary(Path(data_dir) / "tape" / name, media)
