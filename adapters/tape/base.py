"""The tape contract: what an agent on the backup server may ask of its tape library.

A tape backup writes one *archive* per S-VOL (copy group) onto a medium: one sequential
stream in a standard format (tar: an administrator lists and extracts it without the product),
owners, modes, times and links kept, ending with a manifest of every member (file sizes and
hashes). An archive is named by ``label`` (chosen by the agent, unique per host:
``<tape-backup-ID>.<n>``) and is either complete or absent: a copy killed part-way leaves
nothing a later read could take for a backup. A read checks every file against the manifest
and refuses a truncated or altered medium (``TapeError``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from pydantic import BaseModel, ConfigDict, Field

PRODUCTS = ("NBU", "BEWS")  # drmtapeinit: NetBackup, Backup Exec
Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


class TapeError(Exception):
    """The library refused or failed (unknown medium or archive, I/O error)."""


@dataclass(frozen=True, slots=True)
class ArchiveCopy:
    """What one archive write or read moved: file data bytes and regular files."""

    bytes: int
    files: int
    manifest_hash: str = ""  # BLAKE3 of the manifest's bytes (the catalog keeps it)


class TapeSettings(BaseModel):
    """``drmtapeinit``: the backup management product and the catalog retention (0 = forever)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product: str = "NBU"
    retention_days: int = Field(default=0, ge=0, le=36500)


class TapeLibrary(Protocol):
    def media(self) -> tuple[str, ...]:
        """The media IDs of the library (``TP0001`` …), in slot order."""

    def write(self, medium: str, label: str, source: Path,
              progress: Progress | None = None) -> ArchiveCopy:
        """Copy the tree under ``source`` to ``medium`` as archive ``label``. The archive
        appears only when complete (on stable storage); an existing one is refused."""

    def read(self, medium: str, label: str, target: Path, progress: Progress | None = None,
             manifest_hash: str = "") -> ArchiveCopy:
        """Make the tree under ``target`` exactly the archive's (files not in it are removed),
        every file checked against the manifest. ``TapeError`` when the archive does not exist,
        the medium is truncated or its manifest is not ``manifest_hash`` (when given; in both
        cases ``target`` is untouched), or the medium differs from its manifest."""

    def delete(self, medium: str, label: str) -> None:
        """Forget the archive (no error when it is already gone)."""

    def exists(self, medium: str, label: str) -> bool:
        """True when a complete archive ``label`` is on ``medium``."""

    def discard_partial(self) -> list[str]:
        """Remove what killed writes left behind; return their labels."""
