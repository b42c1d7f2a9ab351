"""The CLI as a table: one declarative entry per manual command.

An ``AgentEntry`` is a command that goes to a host's agent. It declares, once:

- its names: ``drm <name>`` and the manual's console name (``manual``; the console alias
  ``drm<name>`` runs ``drm <name>``);
- its options (``arg``/``opt``/``flag``), each option in the manual's single-dash form and the GNU
  long form (``-backup_id``, ``--backup_id``, ``--backup-id``); options of the manual that a later
  issue implements (``deferred``) are accepted by the parser only to be refused by name;
- ``commands``: the catalogue's command types it may send (checked by a test), and ``request``:
  how the parsed options become those typed commands (bad input raises a usage error here, so
  nothing is sent);
- ``show``: how the outcomes render, in the manual's layout (``Shown.lines``) and as ``--json``
  (``Shown.data``).

``services.cli.perform`` runs every ``AgentEntry`` the same way. A ``LocalEntry`` (log, report,
lab, …) works without an agent and keeps its own parser and run function. ``services.cli.table``
lists where each entry lives, so that ``drm`` imports only the module of the command it runs.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from services import messages
from services.cli.errors import usage_error

if TYPE_CHECKING:  # the commands' module loads pydantic; an entry's module imports it anyway
    from events.command_base import Command


class CliParser(argparse.ArgumentParser):
    """An argument parser whose errors are usage errors (exit 1, the sub-command's usage shown)
    and whose help answers ``-h``, ``-help`` and ``--help``."""

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "-help", "--help", action="help",
                              help="show this help message and exit")

    def error(self, message: str):  # argparse's own refusals
        raise usage_error(message, self.format_usage())

    def parse_known_args(self, args=None, namespace=None):
        """Also records the usage of the innermost sub-command as ``cli_usage``, for the usage
        errors found after parsing."""
        namespace, extra = super().parse_known_args(args, namespace)
        if getattr(namespace, "cli_usage", None) is None:
            namespace.cli_usage = self.format_usage()
        return namespace, extra


@dataclass(frozen=True)
class Arg:
    """A positional argument (argparse keywords in ``kwargs``)."""

    name: str
    kwargs: Mapping[str, Any]

    def add_to(self, parser) -> None:
        parser.add_argument(self.name, **self.kwargs)


@dataclass(frozen=True)
class Opt:
    """An option: ``-name`` and ``--name`` (and ``--na-me`` for ``na_me``), or ``short`` and
    ``--long`` where the manual's letter is not the option's name (``-s``/``--backup-server``)."""

    name: str
    kwargs: Mapping[str, Any]
    short: str | None = None

    def flags(self) -> tuple[str, ...]:
        if self.short is not None:
            return (f"-{self.short}", f"--{self.name.replace('_', '-')}")
        hyphenated = self.name.replace("_", "-")
        return (f"-{self.name}", f"--{self.name}",
                *((f"--{hyphenated}",) if hyphenated != self.name else ()))

    def add_to(self, parser) -> None:
        kwargs = dict(self.kwargs)
        parser.add_argument(*self.flags(), dest=kwargs.pop("dest", self.name), **kwargs)


def arg(name: str, **kwargs: Any) -> Arg:
    return Arg(name, kwargs)


def opt(name: str, short: str | None = None, **kwargs: Any) -> Opt:
    return Opt(name, kwargs, short)


def flag(name: str, help: str) -> Opt:
    return Opt(name, {"action": "store_true", "help": help})


@dataclass(frozen=True)
class Shown:
    """What a command shows: its lines in the manual's layout, or ``data`` with ``--json``."""

    lines: list[str]
    data: Any


@dataclass(frozen=True)
class AgentEntry:
    """One manual command that goes to an agent (see the module docstring). ``request`` returns
    one command or several, sent in order (the first failure stops); ``show`` gets the parsed
    options, their outcomes in the same order, and the agent (for a follow-up wait)."""

    name: str
    manual: str
    summary: str
    description: str
    commands: tuple[type[Command], ...]
    request: Callable[[argparse.Namespace], Command | Sequence[Command]]
    show: Callable[[argparse.Namespace, list, Any], Shown]
    options: tuple[Arg | Opt, ...] = ()
    deferred: tuple[str, ...] = ()
    timeout: float = 600.0
    framed: bool = True  # the manual's KAVX0001-I / KAVX0002-I lines around the output
    progress_shown: tuple[str, ...] = ()  # progress message IDs ``show`` prints itself

    @property
    def console(self) -> tuple[str, ...]:
        return (self.manual,)

    def register(self, subparsers) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(
            self.name, help=f"{self.summary} ({self.manual})",
            description=f"{self.manual}: {self.description}",
            formatter_class=argparse.RawDescriptionHelpFormatter)
        for option in self.options:
            option.add_to(parser)
        add_deferred(parser, self.deferred)
        add_common(parser, self.timeout)
        parser.set_defaults(func=self.run)
        return parser

    def run(self, args: argparse.Namespace, connect=None) -> int:
        from services.cli.perform import perform

        return perform(self, args, connect)


@dataclass(frozen=True)
class LocalEntry:
    """A command that needs no agent: ``register(subparsers)`` adds its parser, whose ``func``
    runs it and returns the exit code."""

    name: str
    register: Callable[[Any], Any]
    console: tuple[str, ...] = field(default=())
    commands: tuple[type[Command], ...] = ()


def add_common(parser, timeout: float) -> None:
    parser.add_argument("--host", help="target host (default: DRM_HOSTNAME, else this machine)")
    parser.add_argument("--timeout", type=float, default=timeout,
                        help=f"seconds to wait for the agent (default {timeout:g})")
    parser.add_argument("--json", action="store_true",
                        help="print machine output (the outcome event or the query answer) "
                             "instead of the manual's layout; a failure as a JSON error object")


def add_deferred(parser, names: Sequence[str]) -> None:
    """Options of the manual that a later issue implements: accepted by the parser only to be
    rejected with a message that names them (``services.cli.perform.reject_deferred``)."""
    if not names:
        return
    group = parser.add_argument_group(
        "options of the manual that are not supported yet (given, they are rejected)")
    for name in names:
        opt(name, dest=f"deferred_{name}", nargs="?", const=True, default=None, metavar="…",
            help="not supported yet").add_to(group)

