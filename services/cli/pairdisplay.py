"""``pairdisplay -g GROUP [-d DEV] [-fcx] [-l] [-CLI]`` and ``raidscan -p PORT [-s SERIAL]
[-fx] [-CLI]``: pair status in the manner of CCI, answered by the host's agent from the array.

Each pair prints two lines, this host's volume (L) first, then the other one (R)::

    Group   PairVol(L/R) (Port#,TID, LU-M) ,Seq#,LDEV#.P/S,Status,Fence, % ,P-LDEV# M

``-fx`` shows LDEV numbers in hex, ``-fc`` the copy percentage (always shown here), ``-l`` only
this host's line, ``-CLI`` space-separated columns for scripts. A pair whose status differs
from what this host's events last said is marked ``*`` at the end of its line (the next pair
command records the change).
"""
from __future__ import annotations

import argparse

from events.pair_commands import DisplayPairs, ScanPort
from services.cli.cci import SELECTION, CciEntry, selection
from services.cli.entries import Shown, flag, opt
from services.cli.filesystem_args import build
from services.cli.perform import query_data

HEADER = "Group   PairVol(L/R) (Port#,TID, LU-M) ,Seq#,LDEV#.P/S,Status,Fence, % ,P-LDEV# M"
CLI_HEADER = "Group PairVol L/R Port# TID LU-M Seq# LDEV# P/S Status Fence % P-LDEV# M"
SCAN_HEADER = "PORT#  /TID,LU#.MU  Seq#   LDEV#  P/S    Status Fence  P-Seq# P-LDEV# Type"
SCAN_CLI_HEADER = "Port# TID LU MU Seq# LDEV# P/S Status Fence P-Seq# P-LDEV# Type"
FORMATS = set("xcde")


def _ldev(value: int | None, hex_form: bool) -> str:
    if value is None:
        return "-"
    return f"{value:04x}" if hex_form else str(value)


def render(row: dict, hex_form: bool = False, cli: bool = False) -> str:
    mu = row["mu"] or "0"
    percent = "-" if row["percent"] is None else str(row["percent"])
    partner = _ldev(row["partner_ldev"], hex_form)
    changed = " *" if row["side"] == "L" and row.get("known") not in (None, "UNKNOWN") \
        and row["known"] != _pair_status(row) else ""
    if cli:
        return " ".join(str(v) for v in (
            row["group"], row["device"], row["side"], row["port"], row["target"],
            f"{row['lu']}-{mu}", row["serial"], _ldev(row["ldev"], hex_form), row["role"],
            row["status"], row["fence"], percent, partner, "-")) + changed
    where = f"({row['port']}-0, {row['target']:>2}, {row['lu']:>3}-{mu:<2})"
    return (f"{row['group']:<8}{row['device'] + '(' + row['side'] + ')':<13}{where} "
            f"{row['serial']:>7} {_ldev(row['ldev'], hex_form):>5}.{row['role']:<5} "
            f"{row['status']:<5} {row['fence']:<6},{percent:>4} {partner:>6} -{changed}")


def _pair_status(row: dict) -> str:
    return "PSUS" if row["status"] == "SSUS" else row["status"]


def formats(args: argparse.Namespace) -> set[str]:
    given = set(args.format or "")
    if given - FORMATS:
        from adapters.storage.errors import EX_INVARG
        from services.cli.cci import cci_error

        raise cci_error(EX_INVARG, f"-f{args.format}: the display forms are x, c, d, e")
    return given


def display_request(args: argparse.Namespace) -> DisplayPairs:
    formats(args)
    return build(DisplayPairs, **selection(args))


def display_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    rows = outcomes[0].result["rows"]
    if args.l:
        rows = [row for row in rows if row["side"] == "L"]
    hex_form = "x" in formats(args)
    lines = [CLI_HEADER if args.CLI else HEADER]
    lines += [render(row, hex_form, args.CLI) for row in rows]
    return Shown(lines, rows if args.json else query_data(outcomes[0]))


PAIRDISPLAY = CciEntry(
    name="pairdisplay", manual="pairdisplay", summary="show the pair status of a copy group",
    description="show both volumes of each pair of the group (or device), this host's first, "
                "from the\narray; --json prints the rows.",
    commands=(DisplayPairs,), request=display_request, show=display_shown,
    options=(*SELECTION, opt("format", short="f", metavar="xcde",
                             help="display forms: x hex LDEV#, c copy %% (shown anyway)"),
             flag("l", "only this host's volume"), flag("CLI", "space-separated columns")))


# -- raidscan --------------------------------------------------------------------------------------
def scan_request(args: argparse.Namespace) -> ScanPort:
    formats(args)
    return build(ScanPort, port=args.port, serial=args.serial)


def scan_render(row: dict, hex_form: bool, cli: bool) -> str:
    partner_serial = row["partner_serial"] or "-"
    values = (row["port"], row["target"], row["lu"], row["mu"], row["serial"],
              _ldev(row["ldev"], hex_form), row["role"], row["status"], row["fence"],
              partner_serial, _ldev(row["partner_ldev"], hex_form), row["copy_type"])
    if cli:
        return " ".join(str(v) for v in values)
    return (f"{row['port']:<6} /{row['target']:>3},{row['lu']:>3}.{row['mu']:<3} "
            f"{row['serial']:>7} {_ldev(row['ldev'], hex_form):>6}  {row['role']:<6} "
            f"{row['status']:<6} {row['fence']:<6} {partner_serial:>6} "
            f"{_ldev(row['partner_ldev'], hex_form):>7} {row['copy_type']}")


def scan_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    rows = outcomes[0].result["rows"]
    hex_form = "x" in formats(args)
    lines = [SCAN_CLI_HEADER if args.CLI else SCAN_HEADER]
    lines += [scan_render(row, hex_form, args.CLI) for row in rows]
    return Shown(lines, rows if args.json else query_data(outcomes[0]))


RAIDSCAN = CciEntry(
    name="raidscan", manual="raidscan", summary="list the LDEVs of a port and their pairs",
    description="every LDEV on the port (of one array with -s) and each pair on it, per MU#.",
    commands=(ScanPort,), request=scan_request, show=scan_shown,
    options=(opt("port", short="p", required=True, help="the port, e.g. CL1-A"),
             opt("serial", short="s", help="only the array with this serial number"),
             opt("format", short="f", metavar="x", help="x: LDEV numbers in hex"),
             flag("CLI", "space-separated columns")))
