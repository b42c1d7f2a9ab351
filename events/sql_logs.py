"""SQL Server transaction log events: log backups taken, rolled forward, and their information
deleted (spec 05 §2.7), and database states changed by a restore or a recovery.

A log backup belongs to the latest full backup of its instance when it was taken (its
``backup_id`` and ``original_id``; both empty for ``-no_cat``). ``chain_seq`` numbers the log
backups of one database under one original ID from 1, as the manual's file names do; the
projection (``projections.host.sql_logs``) keeps the chains and the roll-forwards, and the
agent's ``decide`` refuses what the chain rules forbid before anything is taken or applied.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from events.base import Payload
from events.registry import REGISTRY

LSN_MAX = 2 ** 63 - 1
SHA256 = r"^([0-9a-f]{64})?$"
Lsn = Field(ge=0, le=LSN_MAX)
State = Literal["ONLINE", "OFFLINE", "LOADING", "STANDBY", "UNCONFIRMED", "DELETED"]


class SqlLogBackupRequested(Payload):
    """``drmsqllogbackup``: the databases whose logs are about to be backed up."""

    workflow_id: str
    instance: str
    databases: tuple[str, ...]
    truncate: bool = True
    no_cat: bool = False
    backup_id: str = ""
    original_id: str = ""


class SqlLogBackupRecorded(Payload):
    """One log backup file, written and hashed."""

    workflow_id: str
    instance: str
    database: str
    path: str
    first_lsn: int = Lsn
    last_lsn: int = Lsn
    size: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256)
    truncated: bool = True
    chain_seq: int = Field(ge=1)
    backup_id: str = ""  # the full backup it belongs to; "" with -no_cat
    original_id: str = ""
    taken_at: datetime


class SqlLogBackupCompleted(Payload):
    workflow_id: str
    instance: str
    files: int = Field(ge=0)


class SqlLogBackupAborted(Payload):
    workflow_id: str
    instance: str
    database: str
    reason: str


class SqlLogInfoDeleted(Payload):
    """``drmsqllogbackup 0:<original-ID> -d``: the log-backup information of one full backup
    is forgotten (the files stay where they are)."""

    original_id: str
    instance: str
    databases: tuple[str, ...]
    files: int = Field(ge=0)


class SqlRollForwardRequested(Payload):
    workflow_id: str
    instance: str
    database: str
    files: tuple[str, ...]
    finish: State


class SqlRollForwardApplied(Payload):
    """Logs applied to one database (none: only its state changed). ``chain_complete``: every
    log backup the chain knows after the restored backup was applied."""

    workflow_id: str
    instance: str
    database: str
    files: tuple[str, ...]
    first_lsn: int = Lsn
    last_lsn: int = Lsn
    finish: State
    original_id: str = ""
    chain_complete: bool = False


class SqlDatabaseStateChanged(Payload):
    workflow_id: str
    instance: str
    database: str
    previous: str = Field(max_length=128)
    state: str = Field(max_length=128)  # one state, several joined by "+", or DELETED
    reason: str = ""


for _model in (SqlLogBackupRequested, SqlLogBackupRecorded, SqlLogBackupCompleted,
               SqlLogBackupAborted,
               SqlLogInfoDeleted, SqlRollForwardRequested, SqlRollForwardApplied,
               SqlDatabaseStateChanged):
    REGISTRY.register(_model.__name__, _model)
