"""Handler tables keyed by command type, built once and checked against the catalogue.

``handler_table`` turns ``(command type, handler)`` pairs into a dict and raises
``DuplicateHandler`` when a type appears twice: an override (the auto-import around a backup)
is written as a wrapper around the one handler, never as a second entry. ``check_complete``
raises ``IncompleteTable`` unless every catalogue command has exactly one handler, in either
the command table or the query table, and the query table holds exactly the ``QUERY`` commands.
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping, TypeVar

from events.command_base import QUERY, Command

H = TypeVar("H", bound=Callable)


class DuplicateHandler(ValueError):
    """Two handlers claim one command type."""


class IncompleteTable(ValueError):
    """A catalogue command has no handler, two handlers, or sits in the wrong table."""


def handler_table(entries: Iterable[tuple[type[Command], H]]) -> dict[type[Command], H]:
    """The table of ``entries``; raises ``DuplicateHandler`` on a command type seen twice."""
    table: dict[type[Command], H] = {}
    for command_type, handler in entries:
        if command_type in table:
            raise DuplicateHandler(f"{command_type.__name__} has two handlers: "
                                   f"{table[command_type].__name__} and {handler.__name__}")
        table[command_type] = handler
    return table


def check_complete(commands: Mapping[type[Command], Callable],
                   queries: Mapping[type[Command], Callable],
                   catalogue: Iterable[type[Command]]) -> None:
    """Raise ``IncompleteTable`` naming every command handled zero or two times, or a query
    in the command table (or the reverse)."""
    problems = []
    known = list(catalogue)
    for command_type in known:
        where = [t for t, table in (("commands", commands), ("queries", queries))
                 if command_type in table]
        expected = "queries" if command_type.concurrency is QUERY else "commands"
        if where != [expected]:
            problems.append(f"{command_type.__name__}: handled in {where or 'no table'}, "
                            f"expected in {expected}")
    strangers = [t.__name__ for t in (*commands, *queries) if t not in known]
    if strangers:
        problems.append(f"not in the catalogue: {', '.join(strangers)}")
    if problems:
        raise IncompleteTable("; ".join(problems))
