"""CCI's pair operations through the host's agent: ``paircreate``, ``pairsplit``,
``pairresync``, ``pairevtwait``, ``horctakeover`` (``drm pair …`` gathers them with
``pairdisplay``; ``services.cli.pair_group``).

Each prints one line per pair (``<group>,<device> <status> …``) and exits as CCI does
(``services.cli.cci``). The target host is ``--host``, else ``DRM_HOSTNAME``: the host whose
CCI instance runs the command, on whose stream the command's events go.
"""
from __future__ import annotations

import argparse
import re

from adapters.storage.errors import EX_INVARG
from events.pair_commands import (MAX_PACE, MAX_WAIT_SECONDS, MIN_PACE, CreatePair, ResyncPair,
                                  SplitPair, TakeOverPair, WaitPairEvent)
from services.cli.cci import CASCADE, SELECTION, CciEntry, cascade, cci_error, selection
from services.cli.entries import Shown, flag, opt
from services.cli.filesystem_args import build

WAIT_MARGIN = 30.0  # seconds the CLI waits for pairevtwait's answer beyond its -t


def pair_lines(outcomes: list) -> list[str]:
    """``<group>,<device> <status>`` per pair, with what was done."""
    lines = []
    for outcome in outcomes:
        for pair in outcome.payload["result"].get("pairs", []):
            what = "" if pair.get("done", True) else f" (nothing done: {pair['reason']})"
            roles = f" P-VOL {pair['pvol']} S-VOL {pair['svol']}" if pair.get("pvol") else ""
            lines.append(f"{pair['copy_group']} {pair['status']}{roles}{what}")
    return lines


def shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    return Shown(pair_lines(outcomes), outcomes[0].to_wire())


def _one_of(args: argparse.Namespace, names: tuple[str, ...], what: str) -> str:
    given = [name for name in names if getattr(args, name)]
    if len(given) > 1:
        raise cci_error(EX_INVARG, f"{what}: -{' and -'.join(given)} exclude each other")
    return given[0] if given else ""


NUMBER = {int: re.compile(r"[0-9]{1,12}"), float: re.compile(r"[0-9]{1,12}(\.[0-9]{0,12})?")}


def number(text, kind: type, option: str, low: float, high: float):
    """``text`` (an option's value: ASCII digits, with a fraction for a ``float``) read as
    ``kind`` within ``low..high``, else CCI's ``EX_INVARG`` (exit 253) naming the option, as
    CCI refuses any bad argument."""
    value = None
    if not isinstance(text, str) or NUMBER[kind].fullmatch(text):
        try:
            value = kind(text)
        except (TypeError, ValueError, OverflowError):
            pass
    if value is None or not low <= value <= high:  # NaN compares false: refused too
        raise cci_error(EX_INVARG, f"{option} {str(text)[:40]!r}: give a number {low}..{high}")
    return value


def pace(args: argparse.Namespace) -> int:
    return number(args.pace, int, "-c", MIN_PACE, MAX_PACE)


PACE = opt("pace", short="c", type=str, default="3",
           help=f"copy pace {MIN_PACE}..{MAX_PACE} (default 3)")


# -- paircreate ------------------------------------------------------------------------------------
def create_request(args: argparse.Namespace) -> CreatePair:
    side = _one_of(args, ("vl", "vr"), "paircreate")
    if not side:
        raise cci_error(EX_INVARG, "paircreate needs -vl (this host's volume becomes the "
                                   "P-VOL) or -vr (the other one does)")
    return build(CreatePair, **selection(args), primary="local" if side == "vl" else "remote",
                 fence=args.fence, pace=pace(args))


PAIRCREATE = CciEntry(
    name="paircreate", manual="paircreate", summary="create pairs",
    description="pair the volumes of a group or device; the initial copy runs in the "
                "background\n(COPY, then PAIR: wait with pairevtwait -s pair).",
    commands=(CreatePair,), request=create_request, show=shown,
    options=(*SELECTION, flag("vl", "this host's volume becomes the P-VOL"),
             flag("vr", "the other volume becomes the P-VOL"),
             opt("fence", short="f", choices=("never", "data", "status", "async"),
                 help="fence level of a TrueCopy/UR pair (default never; UR async)"),
             PACE))


# -- pairsplit -------------------------------------------------------------------------------------
def split_request(args: argparse.Namespace) -> SplitPair:
    option = _one_of(args, ("r", "rw", "S", "E"), "pairsplit")
    return build(SplitPair, **selection(args), option=option, **cascade(args))


PAIRSPLIT = CciEntry(
    name="pairsplit", manual="pairsplit", summary="split or dissolve pairs",
    description="split the pairs (PSUS; -rw: the S-VOL writable), dissolve them (-S: SMPL) or "
                "suspend\nthem as by an error (-E: PSUE).",
    commands=(SplitPair,), request=split_request, show=shown,
    options=(*SELECTION, flag("r", "split; the S-VOL stays read-only (the default)"),
             flag("rw", "split; the S-VOL becomes writable"),
             flag("S", "dissolve the pair (SMPL)"), flag("E", "suspend the pair (PSUE)"),
             *CASCADE))


# -- pairresync ------------------------------------------------------------------------------------
def resync_request(args: argparse.Namespace) -> ResyncPair:
    direction = _one_of(args, ("restore", "swaps", "swapp"), "pairresync")
    return build(ResyncPair, **selection(args), restore=direction == "restore",
                 swap=direction if direction.startswith("swap") else "", pace=pace(args),
                 **cascade(args))


PAIRRESYNC = CciEntry(
    name="pairresync", manual="pairresync", summary="resynchronise pairs",
    description="copy the differences P-VOL -> S-VOL (COPY, then PAIR), S-VOL -> P-VOL with "
                "-restore\n(RCPY), or swap the roles first: -swaps on the S-VOL's host, -swapp "
                "on the P-VOL's.",
    commands=(ResyncPair,), request=resync_request, show=shown,
    options=(*SELECTION, flag("restore", "copy S-VOL -> P-VOL"),
             flag("swaps", "this host's S-VOL becomes the P-VOL, then copy"),
             flag("swapp", "this host's P-VOL becomes the S-VOL, then copy"),
             PACE,
             *CASCADE))


# -- pairevtwait -----------------------------------------------------------------------------------
def wait_request(args: argparse.Namespace) -> WaitPairEvent:
    statuses = tuple(s.lower() for s in (args.status or args.svol_status or ()))
    if args.status and args.svol_status:
        raise cci_error(EX_INVARG, "-s and -ss exclude each other")
    nowait = _one_of(args, ("nowait", "nowaits"), "pairevtwait")
    timeout = None
    if args.wait:
        if len(args.wait) > 2:
            raise cci_error(EX_INVARG, "-t takes <timeout> [interval]")
        checked = [number(value, float, "-t", 0, MAX_WAIT_SECONDS) for value in args.wait]
        timeout = checked[0]  # the interval is checked too, and the agent's own is used
        args.timeout = max(args.timeout, min(timeout, MAX_WAIT_SECONDS) + WAIT_MARGIN)
    elif not nowait:
        args.timeout = MAX_WAIT_SECONDS + WAIT_MARGIN
    return build(WaitPairEvent, **selection(args), statuses=statuses, timeout=timeout,
                 nowait=bool(nowait), svol_side=bool(args.svol_status) or nowait == "nowaits",
                 **cascade(args))


def wait_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    result = outcomes[0].payload["result"]
    lines = [f"{pair['copy_group']} {pair['status']}" for pair in result["pairs"]]
    return Shown(lines if args.nowait or args.nowaits else [], outcomes[0].to_wire())


PAIREVTWAIT = CciEntry(
    name="pairevtwait", manual="pairevtwait", summary="wait for a pair status",
    description="wait until every pair of the group or device shows one of the statuses; exit "
                "0, or\n233 (EX_EWSTOT) at the timeout, 234 (EX_EWSUSE) when a pair is PSUE. "
                "-nowait: exit\nwith the status now (1 SMPL, 2 COPY/RCPY, 3 PAIR, 4 PSUS, 5 "
                "PSUE).",
    commands=(WaitPairEvent,), request=wait_request, show=wait_shown,
    options=(*SELECTION,
             opt("status", short="s", nargs="+", type=str.lower, metavar="STATUS",
                 choices=("smpl", "copy", "pair", "psus", "ssus", "psue", "rcpy"),
                 help="the statuses to wait for, as the P-VOL shows them"),
             opt("svol_status", short="ss", nargs="+", type=str.lower, metavar="STATUS",
                 choices=("smpl", "copy", "pair", "psus", "ssus", "psue", "rcpy"),
                 help="the statuses to wait for, as the S-VOL shows them"),
             opt("wait", short="t", nargs="+", type=str, metavar="SECONDS",
                 help="timeout [interval] in seconds (default: no limit)"),
             flag("nowait", "exit at once with the status as exit code"),
             flag("nowaits", "as -nowait, the S-VOL side's status"), *CASCADE))


# -- horctakeover ----------------------------------------------------------------------------------
def takeover_request(args: argparse.Namespace) -> TakeOverPair:
    return build(TakeOverPair, **selection(args))


HORCTAKEOVER = CciEntry(
    name="horctakeover", manual="horctakeover", summary="take over pairs",
    description="on the S-VOL's host, make its volume the P-VOL of each TrueCopy/UR pair "
                "(swap-takeover);\non the P-VOL's host nothing is done (nop-takeover).",
    commands=(TakeOverPair,), request=takeover_request, show=shown, options=SELECTION)
