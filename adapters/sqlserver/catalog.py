"""What an instance knows about itself (SQL Server keeps it in master and msdb): its
databases, their IDs, files, recovery models and states, and the log-backup position of each.

Stored as one JSON file per instance under the engine's state directory, checked on load
(``pydantic``, unknown keys refused), written atomically after every change.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.agent.application_port import (LOADING, OFFLINE, ONLINE, STANDBY, UNCONFIRMED,
                                             ApplicationError)

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_$-]{0,63}$")
"""Instance and database names: 1 to 64 characters, letters, digits, ``_ $ -`` (a file-name
safe subset of SQL Server's identifiers)."""
MAX_DATABASES = 1024  # per instance
MAX_FILES = 16  # per database
SYSTEM_DATABASES = ("master", "tempdb", "model", "msdb")
SYSTEM_IDS = {"master": 1, "tempdb": 2, "model": 3, "msdb": 4}
DISTRIBUTION = "distribution"
RECOVERY_MODELS = ("FULL", "BULK_LOGGED", "SIMPLE")
STATES = (ONLINE, OFFLINE, LOADING, STANDBY, UNCONFIRMED)


def check_name(what: str, name: object) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ApplicationError(f"{what} name {str(name)[:80]!r}: 1 to 64 letters, digits or _$-",
                               reason="not-found")
    return name


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileState(_Model):
    path: str = Field(max_length=4096)
    kind: Literal["data", "log"]


class DatabaseState(_Model):
    name: str = Field(pattern=NAME.pattern)
    database_id: int = Field(ge=1, le=32767)
    system: bool = False
    recovery_model: Literal["FULL", "BULK_LOGGED", "SIMPLE"] = "FULL"
    state: str = ONLINE  # one of STATES or several joined by "+"
    files: list[FileState] = Field(max_length=MAX_FILES)
    lsn: int = Field(default=0, ge=0)  # the last committed transaction
    next_row: int = Field(default=1, ge=1)
    full_lsn: int | None = None  # the LSN of the last full backup (a thawed freeze)
    backed_lsn: int = Field(default=1, ge=1)  # the first LSN the next log backup covers
    log_seq: int = Field(default=0, ge=0)  # log backups since the last full backup
    chain_blocked: bool = False  # a partial roll-forward: log backups wait for a full backup
    rolled_forward: bool = False  # log records were applied since the last restore

    def states(self) -> set[str]:
        return set(self.state.split("+"))

    def data_files(self) -> list[Path]:
        return [Path(f.path) for f in self.files if f.kind == "data"]

    def log_file(self) -> Path:
        return next(Path(f.path) for f in self.files if f.kind == "log")


class InstanceState(_Model):
    name: str = Field(pattern=NAME.pattern)
    running: bool = True
    replication: bool = False
    system_dir: str = Field(max_length=4096)
    databases: list[DatabaseState] = Field(default_factory=list, max_length=MAX_DATABASES)

    def find(self, name: str) -> DatabaseState | None:
        folded = name.lower()
        return next((d for d in self.databases if d.name.lower() == folded), None)

    def get(self, name: str) -> DatabaseState:
        database = self.find(name)
        if database is None:
            raise ApplicationError(f"instance {self.name}: no database {name!r}", reason="not-found")
        return database

    def next_id(self) -> int:
        return max([4] + [d.database_id for d in self.databases]) + 1


def combine(*states: str) -> str:
    """Several states as one text in a fixed order (``STANDBY+OFFLINE+UNCONFIRMED``)."""
    wanted = {part for state in states for part in state.split("+") if part}
    order = (ONLINE, LOADING, STANDBY, OFFLINE, UNCONFIRMED)
    return "+".join(s for s in order if s in wanted)


def instance_file(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / "instances" / f"{name.lower()}.json"


def load_instances(state_dir: Path) -> dict[str, InstanceState]:
    folder = Path(state_dir) / "instances"
    out: dict[str, InstanceState] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        instance = InstanceState.model_validate_json(path.read_text(encoding="utf-8"))
        out[instance.name.lower()] = instance
    return out


def save_instance(state_dir: Path, instance: InstanceState) -> None:
    path = instance_file(state_dir, instance.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(instance.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp, path)


MAX_COUNT = 2 ** 63 - 1  # LSNs, rows and sizes fit the pages' 64-bit fields, with room for +1


class MetafileEntry(_Model):
    path: str = Field(min_length=1, max_length=4096)
    kind: Literal["data", "log"]
    size: int = Field(ge=0, le=MAX_COUNT)
    page_lsn: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    rows: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    crc: int | None = Field(default=None, ge=0, le=0xFFFFFFFF)


class MetafileBody(_Model):
    """What a VDI metafile holds (written at the freeze, checked when a copy is restored)."""

    format: Literal["simvdi-1"]
    instance: str = Field(pattern=NAME.pattern)
    database: str = Field(pattern=NAME.pattern)
    database_id: int = Field(ge=1, le=32767)
    backup_id: str = Field(max_length=32)
    lsn: int = Field(ge=0, le=MAX_COUNT)
    next_row: int = Field(ge=1, le=MAX_COUNT)
    recovery_model: Literal["FULL", "BULK_LOGGED", "SIMPLE"]
    system: bool
    files: list[MetafileEntry] = Field(min_length=2, max_length=MAX_FILES)
    frozen_at: float = Field(allow_inf_nan=False)
