"""The export file (the manual's ``.drm``): one catalog entry, self-describing and sealed.

Layout (JSON)::

    {"format": "drm-catalog-export", "format_version": 1,
     "body": {"source_host", "source_backup_id", "source_event_seq", "source_event_hash",
              "exported_at", "entry": {<BackupRecorded fields but workflow_id>},
              ["sql": {<SqlBackupDetails fields>}]},
     "body_sha256": sha256(canonical JSON of body),
     "signature": {"host", "key_id", "signed_at", "signature"}}

``sql`` (issue 13) is present only for a SQL Server entry whose details the exporting host has
(``events.sqlserver.SqlBackupDetails``): the importer records them under its new backup ID. A
document without it is byte for byte what it was before.

The signature (``events.export_signature``, ADR 0005) is the exporting host's Ed25519 signature
of ``body_sha256``; whether a document must carry one, and under which keys it verifies, is the
importer's decision (``export_signature.signature_problem``).

``read_document`` refuses, with ``ExportFileError`` naming the problem, a file that is not JSON
(truncated), of another format or an unknown version, whose hash does not match its body (edited
by hand), or whose body does not have the fields of its version. Nothing here does I/O.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events.canonical import canonical_bytes, format_timestamp, sha256_hex
from events.envelope import HASH_PATTERN
from events.filesystem import ObjectRow
from events.fs_commands import BACKUP_ID_PATTERN
from events.names import CommentText, CopyGroupName, HostName, PathText
from events.sqlserver import SqlBackupDetails  # issue 13: a SQL Server entry's details
from services import messages  # a leaf module: the catalogue of detail codes

FORMAT = "drm-catalog-export"
FORMAT_VERSION = 1

DAMAGED = messages.EXPORT_DAMAGED
UNKNOWN_VERSION = messages.EXPORT_UNKNOWN_VERSION
ALTERED = messages.EXPORT_ALTERED
NOT_SIGNED = messages.EXPORT_NOT_SIGNED


class ExportFileError(ValueError):
    """An export document that must not be imported; ``detail`` is a DRM-1007x code."""

    def __init__(self, detail: str, text: str) -> None:
        super().__init__(text)
        self.detail, self.text = detail, text


MAX_INSTANCES = 256  # file systems (or databases) and copy groups in one entry
MAX_ROWS = 4096  # object rows in one entry


class ExportedEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    backup_id: str = Field(pattern=BACKUP_ID_PATTERN)
    original_id: str = Field(pattern=BACKUP_ID_PATTERN)
    origin_host: HostName
    mode: str = Field(max_length=16, pattern=r"^[A-Za-z]+$")
    object_type: str = Field(default="FILESYSTEM", pattern=r"^(FILESYSTEM|MSSQL|MSEXCHANGE)$")
    instances: tuple[PathText, ...] = Field(max_length=MAX_INSTANCES)
    rows: tuple[ObjectRow, ...] = Field(max_length=MAX_ROWS)
    generation: str = Field(pattern=r"^((local|remote)_[0-9]{1,4})?$")
    copy_groups: tuple[CopyGroupName, ...] = Field(min_length=1, max_length=MAX_INSTANCES)
    started_at: datetime
    ended_at: datetime
    comment: CommentText = ""
    media: str = Field(default="DISK", max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")


class ExportBody(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source_host: HostName
    source_backup_id: str = Field(pattern=BACKUP_ID_PATTERN)
    source_event_seq: int = Field(ge=1)
    source_event_hash: str = Field(pattern=HASH_PATTERN)
    exported_at: datetime
    entry: ExportedEntry
    sql: SqlBackupDetails | None = None  # issue 13 (sql-backup)


class DocumentSignature(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(min_length=1, max_length=255)
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    signed_at: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                   r"\.[0-9]{6}Z$")
    signature: str = Field(pattern=r"^[0-9a-f]{128}$")


class ExportDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    body: ExportBody
    body_sha256: str
    signature: DocumentSignature | None = None

    def as_dict(self) -> dict[str, Any]:
        value = {"format": FORMAT, "format_version": FORMAT_VERSION,
                 "body": _body_dict(self.body), "body_sha256": self.body_sha256}
        if self.signature is not None:
            value["signature"] = self.signature.model_dump()
        return value


def _body_dict(body: ExportBody) -> dict[str, Any]:
    data = body.model_dump(mode="json")
    data["exported_at"] = format_timestamp(body.exported_at)
    data["entry"]["started_at"] = format_timestamp(body.entry.started_at)
    data["entry"]["ended_at"] = format_timestamp(body.entry.ended_at)
    if body.sql is None:
        del data["sql"]  # a document without SQL details is what it always was
    elif body.sql.recorded_at is not None:
        data["sql"]["recorded_at"] = format_timestamp(body.sql.recorded_at)
    return data


def seal_document(entry: dict[str, Any], source_host: str, source_event_seq: int,
                  source_event_hash: str, exported_at: datetime,
                  sql: SqlBackupDetails | None = None) -> ExportDocument:
    """The document of ``entry`` (a ``BackupRecorded``-shaped dict) with its body hash;
    ``sql``: a SQL Server entry's details (issue 13)."""
    fields = {k: v for k, v in entry.items() if k in ExportedEntry.model_fields}
    body = ExportBody(source_host=source_host, source_backup_id=fields["backup_id"],
                      source_event_seq=source_event_seq, source_event_hash=source_event_hash,
                      exported_at=exported_at, entry=ExportedEntry.model_validate(fields),
                      sql=sql)
    return ExportDocument(body=body, body_sha256=sha256_hex(canonical_bytes(_body_dict(body))))


def encode_document(document: ExportDocument) -> bytes:
    return orjson.dumps(document.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def parse_bytes(data: bytes) -> dict[str, Any]:
    """The JSON object of a file's bytes; a truncated or non-JSON file is ``DAMAGED``."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ExportFileError(DAMAGED, f"the export file is damaged or truncated "
                                       f"(not a complete JSON document: {error})") from None
    if not isinstance(value, dict):
        raise ExportFileError(DAMAGED, "the export file is damaged (not a JSON object)")
    return value


def read_document(value: dict[str, Any]) -> ExportDocument:
    """``value`` checked as an export document (see the module docstring)."""
    if value.get("format") != FORMAT:
        raise ExportFileError(DAMAGED, f"the file is not a backup catalog export "
                                       f"(format {value.get('format')!r}, expected {FORMAT!r})")
    version = value.get("format_version")
    if version != FORMAT_VERSION:
        raise ExportFileError(UNKNOWN_VERSION, f"the export file has format version {version!r}; "
                                               f"this agent reads version {FORMAT_VERSION}")
    body, claimed = value.get("body"), value.get("body_sha256")
    if not isinstance(body, dict) or not isinstance(claimed, str):
        raise ExportFileError(DAMAGED, "the export file has no body or no body_sha256")
    try:
        actual = sha256_hex(canonical_bytes(body))
    except TypeError as error:
        raise ExportFileError(DAMAGED, f"the export file body is not plain JSON: {error}") from None
    if actual != claimed:
        raise ExportFileError(ALTERED, f"the export file was altered: its body hashes to "
                                       f"{actual[:16]}…, the file claims {claimed[:16]}…")
    try:
        parsed = ExportBody.model_validate(body)
        signature = value.get("signature")
        signed = None if signature is None else DocumentSignature.model_validate(signature)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ExportFileError(DAMAGED, f"the export file body or signature is invalid at "
                                       f"{where}: {first['msg']}") from None
    return ExportDocument(body=parsed, body_sha256=claimed, signature=signed)
