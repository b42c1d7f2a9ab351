"""The command catalogue: every command type, assembled once, in one place.

``CATALOGUE`` is built from the area modules' tuples by ``CommandCatalogue``, which raises on a
duplicate name or a class whose ``name`` differs from its class name. Everything that needs a
list of commands derives it from here: the envelope's discriminated union (``AnyCommand``), the
agent's handler table (checked complete against it), the exclusive list, the CLI's command
choices and console aliases, and the ``pyproject.toml`` scripts (checked by a test).

To add a command: declare its class in its area's module, add it to that module's tuple.
"""
from __future__ import annotations

from typing import Annotated, Iterable, Iterator, Union

from pydantic import Field

from events.cluster import CLUSTER_COMMANDS
from events.command_base import EXCLUSIVE, QUERY, Command
from events.data_files import DATA_FILES_COMMANDS
from events.devices import DEVICE_COMMANDS
from events.extended import EXTENDED_COMMANDS
from events.definitions import DEFINITION_COMMANDS
from events.fs_commands import FS_COMMANDS
from events.host_commands import HOST_COMMANDS
from events.pair_commands import PAIR_COMMANDS
from events.pg_commands import PG_COMMANDS  # PostgreSQL (issue 14: pg-commands)
from events.republish import RepublishEvents
from events.sql_commands import SQL_COMMANDS  # issue 13 (sql-backup)
from events.tape import TAPE_COMMANDS
from events.sql_restore import SQL_RESTORE_COMMANDS  # SQL restore and logs (issue 13)
from events.transfer import TRANSFER_COMMANDS


class DuplicateCommand(ValueError):
    """Two command classes claim one name, or a class's wire name is not its class name."""


class CommandCatalogue:
    """Command types by wire name, in declaration order."""

    def __init__(self, types: Iterable[type[Command]]) -> None:
        self._by_name: dict[str, type[Command]] = {}
        for command_type in types:
            name = command_type.wire_name()
            if name != command_type.__name__:
                raise DuplicateCommand(f"{command_type.__name__} carries the name {name!r}")
            if name in self._by_name:
                raise DuplicateCommand(f"command {name!r} is declared twice")
            self._by_name[name] = command_type

    def __iter__(self) -> Iterator[type[Command]]:
        return iter(self._by_name.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> type[Command]:
        return self._by_name[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def exclusive_names(self) -> frozenset[str]:
        """The manual's "No" commands: one at a time per host."""
        return frozenset(n for n, t in self._by_name.items() if t.concurrency is EXCLUSIVE)

    def query_names(self) -> frozenset[str]:
        return frozenset(n for n, t in self._by_name.items() if t.concurrency is QUERY)

    def console_names(self) -> dict[str, tuple[type[Command], ...]]:
        """Console command name (``drmfsbackup``) -> the command types it issues."""
        found: dict[str, tuple[type[Command], ...]] = {}
        for command_type in self:
            for console in command_type.console:
                found[console] = found.get(console, ()) + (command_type,)
        return found


ALL_COMMANDS: tuple[type[Command], ...] = (*HOST_COMMANDS, *FS_COMMANDS, *TRANSFER_COMMANDS,
                                           *TAPE_COMMANDS, RepublishEvents, *DATA_FILES_COMMANDS,
                                           *CLUSTER_COMMANDS,
                                           *PAIR_COMMANDS,  # CCI pair commands (issue 11)
                                           *DEVICE_COMMANDS, *DEFINITION_COMMANDS,
                                           *EXTENDED_COMMANDS,
                                           *SQL_COMMANDS,  # issue 13 (sql-backup)
                                           *SQL_RESTORE_COMMANDS,  # SQL restore (issue 13)
                                           *PG_COMMANDS)  # PostgreSQL (issue 14: pg-commands)
CATALOGUE = CommandCatalogue(ALL_COMMANDS)

AnyCommand = Annotated[Union[ALL_COMMANDS], Field(discriminator="name")]  # type: ignore[valid-type]
