"""Application-neutral events: the freeze of a database product around a split (issue 13).

A workflow that backs up databases online asks their instance to hold writes
(``FreezeRequested``), learns it holds them (``ApplicationFrozen``, with the metadata files the
restore will need), splits the pairs, and releases them (``ApplicationThawed``). Either end can
fail (``FreezeFailed``: ``step`` says which): a freeze the instance refused holds nothing, a
thaw that finds the freeze already released by the instance (``reason`` ``frozen-timeout``)
means the copy cannot be vouched for. Nothing here names SQL Server or PostgreSQL: ``kind`` is
the application port's kind. A workflow whose freeze has no end is thawed at agent start
(``services.agent.application.recovery``), which records ``ApplicationThawed`` with
``how="released"`` when the instance had already let go.

Limits (``events.limits``): names ``APP_NAME_MAX``, at most ``APP_DATABASES_MAX`` databases,
paths ``APP_PATH_MAX``, timeouts 0..``APP_TIMEOUT_MAX`` seconds, reasons ``APP_REASON_MAX``.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from events.base import Payload
from events.limits import (APP_DATABASES_MAX, APP_KIND_MAX, APP_NAME_MAX, APP_PATH_MAX,
                           APP_REASON_MAX, APP_TIMEOUT_MAX, BACKUP_ID_MAX, printable)
from events.registry import REGISTRY

AppKind = Annotated[str, Field(min_length=1, max_length=APP_KIND_MAX), AfterValidator(printable)]
AppName = Annotated[str, Field(min_length=1, max_length=APP_NAME_MAX), AfterValidator(printable)]
AppPath = Annotated[str, Field(min_length=1, max_length=APP_PATH_MAX), AfterValidator(printable)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Databases = Annotated[tuple[AppName, ...], Field(max_length=APP_DATABASES_MAX)]
Reason = Annotated[str, Field(max_length=APP_REASON_MAX)]


class MetadataFile(Payload):
    """One database's restore metadata (a VDI metafile, a backup label) as written."""

    database: AppName
    path: AppPath
    size: int = Field(ge=0)
    sha256: Sha256


class FreezeRequested(Payload):
    """Intent: hold the writes of ``databases`` of ``instance`` for at most ``timeout`` s and
    write their metadata in ``metadata_dir`` ("" = beside the data, on the P-VOL)."""

    workflow_id: str
    kind: AppKind
    instance: AppName
    databases: Databases
    timeout: float = Field(ge=0, le=APP_TIMEOUT_MAX)
    metadata_dir: Annotated[str, Field(max_length=APP_PATH_MAX)] = ""
    backup_id: Annotated[str, Field(max_length=BACKUP_ID_MAX)] = ""


class ApplicationFrozen(Payload):
    """Outcome: the instance holds the writes (``token`` names the hold for the thaw) and
    wrote ``metadata``; it releases the hold by itself ``timeout`` s after ``frozen_at``."""

    workflow_id: str
    kind: AppKind
    instance: AppName
    databases: Databases
    token: Annotated[str, Field(max_length=APP_NAME_MAX)]
    frozen_at: float = Field(ge=0)
    timeout: float = Field(ge=0, le=APP_TIMEOUT_MAX)
    metadata: Annotated[tuple[MetadataFile, ...], Field(max_length=APP_DATABASES_MAX)] = ()


class ApplicationThawed(Payload):
    """The hold ended. ``how``: ``thawed`` (released by this workflow in time) or ``released``
    (recovery found the instance had already let go, or could not reach it: ``note`` says).
    ``metadata``: files only known at the end (PostgreSQL's backup label)."""

    workflow_id: str
    kind: AppKind
    instance: AppName
    databases: Databases
    how: Literal["thawed", "released"] = "thawed"
    metadata: Annotated[tuple[MetadataFile, ...], Field(max_length=APP_DATABASES_MAX)] = ()
    note: Reason = ""


class FreezeFailed(Payload):
    """The freeze (``step="freeze"``: nothing is held) or the thaw (``step="thaw"``: the
    instance had released the hold by itself, ``reason`` ``frozen-timeout``) failed.
    ``reason`` is the port's short word, ``error`` its text. No hold remains either way."""

    workflow_id: str
    kind: AppKind
    instance: AppName
    databases: Databases
    step: Literal["freeze", "thaw"] = "freeze"
    reason: Annotated[str, Field(max_length=64)] = "io"
    error: Reason = ""


for _model in (FreezeRequested, ApplicationFrozen, ApplicationThawed, FreezeFailed):
    REGISTRY.register(_model.__name__, _model)
