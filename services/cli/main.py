"""The ``drm`` command line: one sub-command per entry of ``services.cli.table``, plus the
manual's console aliases (``drmfscat`` runs ``drm fscat``).

Entries are imported lazily: a command line whose first word is in the table imports only the
module of that entry (start-up is most of a short report's time); anything else (``--help``, an
unknown command) builds the whole parser, so the messages are the same either way.

Every error exits 1 (spec 08 §1.1): a usage error prints the sub-command's usage and a
``KAVX0006-E`` message with ``DRM-90100``; with ``--json`` an error is also printed on stdout as
a JSON object (``services.cli.errors``). ``-help`` works as ``-h`` and ``--help`` do.
"""
from __future__ import annotations

import sys
from typing import Any, Sequence

from events.signing import TrustFileError
from services import messages
from services.cli import table
from services.cli.entries import CliParser, usage_error
from services.cli.errors import FAILURE, CliError, report
from services.cli.operator_log import OperatorSession



def names_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The entries a parser for ``argv`` needs: the one of its command, or every entry when the
    first word is not a known command."""
    return (argv[0],) if argv and argv[0] in table.ENTRIES else tuple(table.ENTRIES)


def build_parser(names: Sequence[str] | None = None) -> CliParser:
    parser = CliParser(
        prog="drm",
        description="Replication-based backup and restore of file systems on storage arrays, "
        "every operation an event.")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for name in table.ENTRIES if names is None else names:
        table.load(name).register(subparsers)
    return parser


def run(argv: Sequence[str], **overrides: Any) -> int:
    """Parse and run one command line; every failure is reported here and exits 1.
    ``overrides`` go to the command's run function (tests pass ``connect``). What a manual
    command prints also goes to the operator logs, and a backup command may send mail
    (``services.cli.operator_log``)."""
    argv = extended_alias(list(argv))
    session = OperatorSession(argv)
    with session:
        code = _run(argv, session, **overrides)
    session.finish(code)
    return code


def _run(argv: list[str], session: OperatorSession, **overrides: Any) -> int:
    as_json = "--json" in argv
    args = None
    try:
        refuse_undecodable(argv)
        parser = build_parser(names_for(argv))
        args, extra = parser.parse_known_args(argv)
        if extra:  # named by the sub-command, with its own usage
            raise usage_error(f"unrecognized arguments: {' '.join(extra)}", args.cli_usage)
        if not getattr(args, "func", None):
            parser.print_help()
            return FAILURE
        args.raw_argv = argv[1:]  # the options as given (extended commands log them, masked)
        session.args = args
        return int(args.func(args, **overrides) or 0)
    except CliError as error:
        return report(error, as_json, getattr(args, "cli_usage", None))
    except TrustFileError as error:  # a damaged key file, trusted-keys registry or state file
        return report(CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.BAD_COMMAND, str(error))), as_json, None)
    except KeyboardInterrupt:
        print(messages.line(messages.INTERRUPTED), file=sys.stderr)
        return FAILURE
    except Exception as error:  # noqa: BLE001 - the last guard: a message, never a traceback
        from services.settings import SettingsError  # loaded by then whenever it was raised

        if isinstance(error, SettingsError):  # a DRM_ variable the operator set wrong
            return report(CliError(messages.PROCESSING_ERROR, messages.error_text(
                messages.BAD_COMMAND, str(error))), as_json, None)
        unexpected = CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.INTERNAL_ERROR, f"{type(error).__name__}: {str(error)[:300]}"))
        return report(unexpected, as_json, None)


def extended_alias(argv: list[str]) -> list[str]:
    """``drm ex fs-def-check …``, ``drm ex fs_def_check …`` and ``drm ex EX_DRM_FS_DEF_CHECK …``
    are ``drm EX_DRM_FS_DEF_CHECK …``."""
    if len(argv) >= 2 and argv[0] == "ex" and not argv[1].startswith("-"):
        name = argv[1].upper().replace("-", "_")
        name = name if name.startswith("EX_DRM_") else f"EX_DRM_{name}"
        if name in table.ENTRIES:
            return [name, *argv[2:]]
    return argv


def refuse_undecodable(argv: Sequence[str]) -> None:
    """An argument that was not valid UTF-8 (Python keeps its bytes as lone surrogates) is a
    usage error, before anything uses it."""
    for value in argv:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise usage_error(f"an argument is not valid UTF-8 text: {value!r:.60}") from None


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)


def alias(command: str):
    """A console entry point ``drm<command>`` that runs ``drm <command> …``."""

    def run_alias() -> int:
        return main([command, *sys.argv[1:]])

    return run_alias


def __getattr__(name: str):
    """``services.cli.main:drmfscat`` and the other console aliases, derived from the table."""
    command = table.command_for_console(name)
    if command is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return alias(command)


if __name__ == "__main__":
    sys.exit(main())
