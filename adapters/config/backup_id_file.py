"""The backup ID file ``<operation-ID>.bid`` of an operation's temporary directory (spec 04
§10.8): the "baton" one extended command leaves for the next (``EX_DRM_FS_BACKUP`` or
``EX_DRM_BACKUPID_SET`` write it; ``EX_DRM_FS_RESTORE``, ``EX_DRM_DB_EXPORT``, the tape commands
read it; ``EX_DRM_DB_IMPORT`` writes the imported ID on the backup server).

Its content is one 10-digit backup ID and a linefeed. ``write_backup_id`` replaces the file
atomically (a reader never sees half an ID); ``read_backup_id`` refuses anything else with a
``ConfigError`` naming the file and line.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from adapters.config.lines import ConfigError, Problem, read_config

BACKUP_ID_FILE_LIMIT = 256  # bytes
_BACKUP_ID = re.compile(r"[0-9]{10}")


def write_backup_id(path: Path, backup_id: str) -> None:
    if not _BACKUP_ID.fullmatch(backup_id):
        raise ValueError(f"not a backup ID (10 digits): {backup_id!r}")
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(backup_id + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_backup_id(path: Path) -> str:
    """The backup ID of ``path``; ``FileNotFoundError`` or ``ConfigError``."""
    text = read_config(path, "backup ID file", limit=BACKUP_ID_FILE_LIMIT, ascii_only=True).text
    value = text.strip()
    if not _BACKUP_ID.fullmatch(value):
        raise ConfigError([Problem(str(path), 1, "", f"does not hold one backup ID "
                                                     f"(10 digits): {value[:20]!r}")])
    return value
