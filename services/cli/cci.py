"""What the CCI commands of the CLI share: CCI's options (``-g``, ``-d``, ``-I…``), the
``HORCMINST``/``HORCC_MRCF`` variables (read through ``services.settings``), and CCI's exit
codes.

A ``CciEntry`` is an ``AgentEntry`` that ends as CCI does: 0 on success, else the exit code of
the CCI error its message names (``[EX_INVSTP]`` -> 228, ``[EX_EWSTOT]`` -> 233 …, ADR 0009),
or the code the agent's result carries (``pairevtwait -nowait``: 1..5); an error of this
implementation (no agent, a usage error) exits 1. No ``KAVX0001-I`` framing: CCI prints none.
"""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from adapters.storage.errors import EX_INVARG, EXIT_CODES
from services import messages
from services.cli.entries import AgentEntry, Opt, flag, opt
from services.cli.errors import CliError, report
from services.cli.output import emit_json
from services.cli.perform import Agent, commands_of
from services.cli.runtime import command_runner
from services.settings import load_settings

INSTANCE = re.compile(r"(H|TC|M|SI)?([0-9]{1,4})?", re.IGNORECASE)
CCI_NAME = re.compile(r"\[(EX_[A-Z]+)\]")

GROUP = opt("group", short="g", required=True, help="dev_group of the configuration")
DEVICE = opt("device", short="d", help="dev_name (default: every device of the group)")
INSTANCE_OPT = opt("instance", short="I", metavar="{H|TC|M|SI}[n]",
                   help="instance: -IH/-ITC TrueCopy/UR, -IM/-ISI ShadowImage, n the instance "
                        "number (default: HORCMINST, HORCC_MRCF)")
SELECTION: tuple[Opt, ...] = (GROUP, DEVICE, INSTANCE_OPT)
CASCADE = (opt("FBC", nargs="?", const="0", metavar="MU#",
               help="the ShadowImage pair with this MU# cascaded from the TrueCopy pair's "
                    "far volume (-FMRCF)"),
           flag("l", "with -FBC: the near (this host's) volume's cascaded pair"))


def cci_error(code: str, detail: str) -> CliError:
    """A CCI error raised by the CLI itself (``DRMX5110-E [EX_…] …``), with CCI's exit code."""
    from adapters.storage.errors import MESSAGES

    error = CliError(messages.CCI_ERROR, f"[{code}] {MESSAGES.get(code, code)}: {detail}")
    error.exit_code = EXIT_CODES.get(code, 1)
    return error


def selection(args: argparse.Namespace) -> dict:
    """``group``, ``device``, ``mode`` and ``instance`` from ``-g``/``-d``/``-I`` and CCI's
    variables (``-I`` wins over them)."""
    settings = load_settings()
    mode = "SI" if settings.horcc_mrcf else None
    instance = settings.horcminst
    if args.instance is not None:
        found = INSTANCE.fullmatch(args.instance)
        if not args.instance or found is None or int(found.group(2) or 0) > 2047:
            raise cci_error(EX_INVARG, f"-I{args.instance}: give -IH, -ITC, -IM or -ISI, "
                                       f"optionally followed by an instance number 0..2047")
        letters, number = found.groups()
        if letters:
            mode = "TC" if letters.upper() in ("H", "TC") else "SI"
        if number:
            instance = int(number)
    return {"group": args.group, "device": args.device, "mode": mode, "instance": instance}


def cascade(args: argparse.Namespace) -> dict:
    if args.l and args.FBC is None:
        raise cci_error(EX_INVARG, "-l goes with -FBC")
    return {"cascade_mu": args.FBC, "cascade_local": bool(args.l)}


def exit_code_of(error: CliError) -> int:
    """CCI's exit code for the CCI error ``error`` names; 1 for any other error."""
    if getattr(error, "exit_code", 1) != 1:
        return error.exit_code
    found = CCI_NAME.search(error.text) if error.message_id.startswith("DRMX51") else None
    return EXIT_CODES.get(found.group(1), 1) if found else 1


@dataclass(frozen=True)
class CciEntry(AgentEntry):
    """An ``AgentEntry`` with CCI's exit codes (see the module docstring)."""

    framed: bool = False

    def run(self, args: argparse.Namespace, connect=None) -> int:
        commands = commands_of(self, args)
        settings = load_settings()
        host = args.host or settings.hostname
        try:
            with (connect or command_runner)(settings) as runner:
                agent = Agent(runner, host, args.timeout)
                outcomes = [agent.ask(command) for command in commands]
                shown = self.show(args, outcomes, agent)
        except CliError as error:
            error.exit_code = exit_code_of(error)
            return report(error, args.json)
        if args.json:
            emit_json(shown.data)
        else:
            for line in shown.lines:
                print(line)
        return result_code(outcomes)


def result_code(outcomes: list) -> int:
    """The exit code a successful command's result names (``pairevtwait -nowait``), else 0."""
    for outcome in outcomes:
        payload = getattr(outcome, "payload", None) or {}
        code = (payload.get("result") or {}).get("exit_code")
        if isinstance(code, int) and code:
            return code
    return 0
