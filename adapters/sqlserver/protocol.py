"""The line-JSON protocol between the instance process and its clients.

A request is one line: ``{"id": <int>, "op": <name>, "args": {...}}``; the reply is one line:
``{"id": <same>, "ok": true, "result": ...}`` or ``{"id": ..., "ok": false, "reason": <word>,
"error": <text>}``. Limits: a line is at most ``MAX_LINE`` bytes, names follow
``catalog.NAME``, lists hold at most ``MAX_ITEMS`` entries, paths ``MAX_PATH`` characters
(and the engine confines them to the lab's roots). ``parse_request`` checks all of it and
raises ``BadRequest``; it never raises anything else.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from adapters.sqlserver.catalog import NAME
from services.agent.application_port import (DatabaseFile, DatabaseInfo, Freeze, LogBackup,
                                             Metadata)

MAX_LINE = 4 * 1024 * 1024  # a roll-forward of 10,000 log backups fits
MAX_ITEMS = 1024
MAX_PATH = 4096
Name = Annotated[str, Field(pattern=NAME.pattern)]
PathText = Annotated[str, Field(min_length=1, max_length=MAX_PATH)]
Token = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Digest = Annotated[str, Field(pattern=r"^([0-9a-f]{64})?$")]


class BadRequest(ValueError):
    """A request the server will not run; the text says why."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NoArgs(_Args):
    pass


class InstanceArgs(_Args):
    instance: Name


class DatabaseArgs(InstanceArgs):
    database: Name


class FreezeRecord(_Args):
    token: Token
    instance: Name
    databases: list[Name] = Field(max_length=MAX_ITEMS)
    frozen_at: float
    timeout: float


class MetadataRecord(_Args):
    database: Name
    path: PathText
    size: StrictInt = Field(ge=0)
    sha256: Digest


class LogBackupRecord(_Args):
    database: Name
    path: PathText
    first_lsn: StrictInt = Field(ge=0)
    last_lsn: StrictInt = Field(ge=0)
    size: StrictInt = Field(ge=0)
    sha256: Digest
    truncated: StrictBool = True
    timeline: StrictInt = Field(default=1, ge=0)


class FreezeArgs(InstanceArgs):
    databases: list[Name] = Field(min_length=1, max_length=MAX_ITEMS)
    timeout: float = Field(ge=0, le=86_400)
    metadata_dir: PathText | None
    backup_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class ThawArgs(_Args):
    freeze: FreezeRecord


class LogBackupArgs(DatabaseArgs):
    target_dir: PathText
    truncate: StrictBool = True


class RestoredArgs(InstanceArgs):
    databases: list[Name] = Field(min_length=1, max_length=MAX_ITEMS)
    metadata: list[MetadataRecord] = Field(max_length=MAX_ITEMS)
    standby: StrictBool


class ApplyLogsArgs(DatabaseArgs):
    logs: list[LogBackupRecord] = Field(max_length=10_000)
    finish: Literal["ONLINE", "LOADING", "STANDBY"]
    target: Annotated[str, Field(max_length=256)] = ""


class DefineArgs(InstanceArgs):
    system_dir: PathText
    replication: StrictBool = False


class CreateArgs(DatabaseArgs):
    data_dirs: list[PathText] = Field(min_length=1, max_length=15)
    log_dir: PathText
    recovery_model: Literal["FULL", "BULK_LOGGED", "SIMPLE"] = "FULL"


class WriteArgs(DatabaseArgs):
    count: StrictInt = Field(ge=1, le=100_000)
    table: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,15}$")] = "rows"


class DamageArgs(DatabaseArgs):
    how: Literal["lose", "corrupt"] = "lose"


class DropArgs(DatabaseArgs):
    delete_files: StrictBool = True


OPERATIONS: dict[str, type[_Args]] = {
    "ping": NoArgs, "instances": NoArgs, "frozen": NoArgs, "shutdown": NoArgs,
    "status": InstanceArgs, "databases": InstanceArgs, "stop": InstanceArgs,
    "start": InstanceArgs, "freeze": FreezeArgs, "thaw": ThawArgs,
    "log_backup": LogBackupArgs, "restored": RestoredArgs, "apply_logs": ApplyLogsArgs,
    "define_instance": DefineArgs, "create_database": CreateArgs, "drop_database": DropArgs,
    "write_rows": WriteArgs, "count_rows": DatabaseArgs, "damage": DamageArgs,
    "set_offline": DatabaseArgs, "set_online": DatabaseArgs,
}


def parse_request(line: bytes) -> tuple[int, str, _Args]:
    """``(id, op, checked args)`` of one request line, or ``BadRequest``."""
    if len(line) > MAX_LINE:
        raise BadRequest(f"request longer than {MAX_LINE} bytes")
    try:
        request = json.loads(line)
    except (ValueError, RecursionError):
        raise BadRequest("request is not JSON") from None
    if not isinstance(request, dict) or set(request) - {"id", "op", "args"}:
        raise BadRequest("request is an object with id, op and args")
    ident, op, args = request.get("id"), request.get("op"), request.get("args", {})
    if type(ident) is not int or not 0 <= ident < 2 ** 53:
        raise BadRequest("id: an integer from 0 to 2**53")
    if not isinstance(op, str) or op not in OPERATIONS:
        raise BadRequest(f"unknown operation {str(op)[:40]!r}")
    if not isinstance(args, dict):
        raise BadRequest("args: an object")
    try:
        return ident, op, OPERATIONS[op].model_validate(args)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "args"
        raise BadRequest(f"{op}: {where}: {first.get('msg', 'invalid')}"[:300]) from None
    except (RecursionError, ValueError, TypeError):
        raise BadRequest(f"{op}: invalid arguments") from None


def encode(value: Any) -> Any:
    """A result as JSON data (the port's dataclasses become objects)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def freeze_from(data: dict) -> Freeze:
    return Freeze(**{**data, "databases": tuple(data["databases"])})


def info_from(data: dict) -> DatabaseInfo:
    files = tuple(DatabaseFile(**f) for f in data["files"])
    return DatabaseInfo(**{**data, "files": files})


def metadata_from(data: dict) -> Metadata:
    return Metadata(**data)


def log_backup_from(data: dict) -> LogBackup:
    return LogBackup(**data)
