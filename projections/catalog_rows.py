"""``CatalogRow``: one object row of a disk or tape catalog entry (both views hold them)."""
from __future__ import annotations

from typing import NamedTuple


class CatalogRow(NamedTuple):
    """One object row of an entry: ``T FILE FS DG DEVICE COPY-GROUP``."""

    kind: str
    file: str
    file_system: str
    disk_group: str
    device: str
    copy_group: str
