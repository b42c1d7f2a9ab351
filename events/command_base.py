"""The base of every command: a frozen pydantic model that declares, once, what the system
needs to know about it.

A command class is declared with its facts as class keywords::

    class BackupFileSystem(Command, console=("drmfsbackup",), concurrency=EXCLUSIVE,
                           roles=APPLICATION_SERVERS):
        name: Literal["BackupFileSystem"] = "BackupFileSystem"
        targets: tuple[str, ...]

- ``name`` is the wire name and the discriminator of ``events.catalogue.AnyCommand``; it must
  equal the class name (the catalogue checks it).
- ``console`` holds the manual's console command names that issue it (empty for commands only
  agents send, such as recovery).
- ``concurrency`` is the manual's "concurrent execution" class (spec 04 §5): ``EXCLUSIVE``
  ("No": one at a time per host), ``CONCURRENT`` ("Yes": runs beside anything, still records
  its outcome) or ``QUERY`` (answers from the view and records nothing).
- ``roles`` are the lab host roles (``FS``, ``DB``, ``BK``) whose agents run it.
"""
from __future__ import annotations

from enum import Enum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Concurrency(str, Enum):
    EXCLUSIVE = "exclusive"
    CONCURRENT = "concurrent"
    QUERY = "query"


EXCLUSIVE, CONCURRENT, QUERY = Concurrency.EXCLUSIVE, Concurrency.CONCURRENT, Concurrency.QUERY

ANY_HOST = ("FS", "DB", "BK")
APPLICATION_SERVERS = ("FS", "DB")
BACKUP_SERVER = ("BK",)


class Command(BaseModel):
    """A request to one host's agent; it may be rejected. Subclasses declare their facts as
    class keywords (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    console: ClassVar[tuple[str, ...]] = ()
    concurrency: ClassVar[Concurrency] = EXCLUSIVE
    roles: ClassVar[tuple[str, ...]] = ANY_HOST

    def __init_subclass__(cls, *, console: tuple[str, ...] | None = None,
                          concurrency: Concurrency | None = None,
                          roles: tuple[str, ...] | None = None, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if console is not None:
            cls.console = tuple(console)
        if concurrency is not None:
            cls.concurrency = Concurrency(concurrency)
        if roles is not None:
            cls.roles = tuple(roles)

    @classmethod
    def wire_name(cls) -> str:
        """The ``name`` this class carries on the wire (its discriminator's one value)."""
        return cls.model_fields["name"].default

    @property
    def is_query(self) -> bool:
        return self.concurrency is QUERY

    def arguments(self) -> dict:
        """The command's fields without its name, JSON-ready."""
        return self.model_dump(mode="json", exclude={"name"})
