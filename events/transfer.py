"""Catalog transfer between hosts: export, import, auto-import (spec 04 §3.5, §10.1, §12).

Events:
- ``BackupExported``: this host wrote one entry to an export document (``drmdbexport``, or the
  export half of ``-auto_import``); the document's own hash and the entry's recording event.
- ``BackupImported``: a live catalog entry like ``BackupRecorded`` (the catalog folds both the
  same way), with the lineage of where it came from: the source host, its backup ID there, and
  the hash and seq of the event that recorded it on the source host's stream.
- ``ImportRequested`` then ``ImportSent``: the file server asks the backup server's agent to
  import an entry (``drmfsbackup -s <host> -auto_import``), intent before the publish and
  outcome after it; ``command_id`` is the cross-agent command, correlated with the backup by
  the envelope's ``correlation_id``.

Commands (all exclusive, spec 04 §5 "No"):
- ``ExportBackup`` ``{backup_id}`` -> result ``{"backup_id", "document": <export document>}``;
- ``ImportBackup`` ``{document, mount_point?}`` -> result ``{"backup_id", "original_id",
  "origin_host", "source_host", "source_backup_id", "superseded": [...], "dictionary"}``.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from events.base import Payload
from events.command_base import EXCLUSIVE, Command
from events.filesystem import BackupRecorded
from events.fs_commands import BACKUP_ID_PATTERN
from events.names import OptionalPathText
from events.registry import REGISTRY


class BackupExported(Payload):
    backup_id: str
    document_sha256: str
    source_event_seq: int
    source_event_hash: str
    file_format_version: int


class BackupImported(BackupRecorded):
    """``BackupRecorded`` plus lineage. ``backup_id`` is the next local ID; ``original_id`` and
    ``origin_host`` are the document's, unchanged."""

    source_host: str
    source_backup_id: str
    source_event_seq: int
    source_event_hash: str
    document_sha256: str


class ImportRequested(Payload):
    """Intent: send ``document`` to ``target_host``'s agent as command ``command_id``."""

    workflow_id: str
    backup_id: str
    target_host: str
    command_id: str
    document_sha256: str
    document: dict[str, Any]
    mount_point: str | None = None


class ImportSent(Payload):
    """Outcome of the send: the command is in the target's queue (``consumer_present``: an
    agent was consuming it). A recovery re-sends every ``ImportRequested`` without one."""

    workflow_id: str
    command_id: str
    target_host: str
    consumer_present: bool


for _model in (BackupExported, BackupImported, ImportRequested, ImportSent):
    REGISTRY.register(_model.__name__, _model)


class ExportBackup(Command, console=("drmdbexport", "EX_DRM_DB_EXPORT"), concurrency=EXCLUSIVE):
    """``drmdbexport <backup-ID> -f <file>`` (the CLI writes the file)."""

    name: Literal["ExportBackup"] = "ExportBackup"
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)


class ImportBackup(Command, console=("drmdbimport", "EX_DRM_DB_IMPORT"), concurrency=EXCLUSIVE):
    """``drmdbimport -f <file>`` (the CLI reads the file) and the auto-import command."""

    name: Literal["ImportBackup"] = "ImportBackup"
    document: dict[str, Any]
    mount_point: OptionalPathText | None = None  # -auto_mount: mount the S-VOL after the import


class ResendImports(Command, concurrency=EXCLUSIVE):
    """Recovery at agent start: send again the imports requested but not known sent."""

    name: Literal["ResendImports"] = "ResendImports"


TRANSFER_COMMANDS = (ExportBackup, ImportBackup, ResendImports)
