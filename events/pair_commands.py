"""CCI pair commands (``paircreate``, ``pairsplit``, ``pairresync``, ``pairevtwait``,
``horctakeover``, ``pairdisplay``, ``raidscan``) as commands to a host's agent.

A pair command names copy groups as CCI does: ``-g <dev_group>`` and optionally ``-d <dev_name>``
(every device of the group without it). ``mode`` is CCI's instance selection: ``TC`` (HORC:
TrueCopy/Universal Replicator, ``-IH``/``-ITC``) or ``SI`` (MRCF: ShadowImage/Thin Image/CoW,
``-IM``/``-ISI``, or ``HORCC_MRCF`` set); ``None`` takes each group's own copy type (ADR 0009).
``instance`` is the CCI instance number (``-I<n>``, ``HORCMINST``), recorded with the command.

The agent answers from the array (the truth) and records, on the issuing host's stream, an
intent and an outcome per copy group (``events.pairs``). Results are given on each class.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from events.command_base import CONCURRENT, EXCLUSIVE, QUERY, Command
from events.names import CopyGroupPart, SerialText

MAX_INSTANCE = 2047
MAX_WAIT_SECONDS = 86_400  # pairevtwait -t: one day at most
MIN_PACE, MAX_PACE = 1, 15  # paircreate/pairresync -c: tracks copied per pass
MAX_PORT = 16
Mode = Literal["TC", "SI"]
Fence = Literal["never", "data", "status", "async"]
WaitStatus = Literal["smpl", "copy", "pair", "psus", "ssus", "psue", "rcpy"]


class PairSelection(Command):
    """What every pair command names: a group, maybe one device, the instance selection."""

    group: CopyGroupPart
    device: CopyGroupPart | None = None
    mode: Mode | None = None
    instance: int | None = Field(default=None, ge=0, le=MAX_INSTANCE)


class CreatePair(PairSelection, console=("paircreate",), concurrency=EXCLUSIVE):
    """``paircreate -g G [-d D] -vl|-vr [-f fence] [-c pace]``: ``primary`` says whose volume
    becomes the P-VOL (``local``: this host's, ``-vl``). Result: ``{"pairs": [pair…]}`` where
    pair = ``{"copy_group", "status", "pvol", "svol", "done"}`` (``done`` false: CCI accepted
    the command and performed nothing)."""

    name: Literal["CreatePair"] = "CreatePair"
    primary: Literal["local", "remote"]
    fence: Fence | None = None  # TrueCopy/UR only; default never (TC), async (UR)
    pace: int = Field(default=3, ge=MIN_PACE, le=MAX_PACE)


class SplitPair(PairSelection, console=("pairsplit",), concurrency=EXCLUSIVE):
    """``pairsplit -g G [-d D] [-r | -rw | -S | -E]``: ``option`` ``""``/``r`` split (S-VOL
    read-only), ``rw`` split with a writable S-VOL, ``S`` dissolve (SMPL), ``E`` suspend by
    error (PSUE). Result as ``CreatePair``."""

    name: Literal["SplitPair"] = "SplitPair"
    option: Literal["", "r", "rw", "S", "E"] = ""
    cascade_mu: str | None = Field(default=None, pattern=r"^[0-9]{1,2}$")  # -FBC [MU#]
    cascade_local: bool = False  # -l with -FBC: the near site's cascaded volume


class ResyncPair(PairSelection, console=("pairresync",), concurrency=EXCLUSIVE):
    """``pairresync -g G [-d D] [-restore | -swaps | -swapp] [-c pace]``. Result as
    ``CreatePair`` (the status is the one the array shows when the command returns: COPY or
    RCPY while the copy runs; ``pairevtwait -s pair`` waits for its end)."""

    name: Literal["ResyncPair"] = "ResyncPair"
    restore: bool = False
    swap: Literal["", "swaps", "swapp"] = ""
    pace: int = Field(default=3, ge=MIN_PACE, le=MAX_PACE)
    cascade_mu: str | None = Field(default=None, pattern=r"^[0-9]{1,2}$")
    cascade_local: bool = False

    @model_validator(mode="after")
    def _one_direction(self):
        if self.restore and self.swap:
            raise ValueError("-restore and -swaps/-swapp exclude each other")
        return self


class WaitPairEvent(PairSelection, console=("pairevtwait",), concurrency=CONCURRENT):
    """``pairevtwait -g G [-d D] -s status… [-t seconds] [-nowait | -nowaits] [-FBC [MU#]]``.

    Waits until every pair of the selection shows one of ``statuses``, judged on the P-VOL
    as CCI does (on the S-VOL with ``-ss``/``-nowaits``: ``svol_side``). Result: ``{"reached": bool, "exit_code": n,
    "error": CCI error name or "", "pairs": [{"copy_group", "status"}…]}``; ``exit_code`` is
    CCI's (ADR 0009): 0 reached; with ``nowait`` 1 SMPL, 2 COPY/RCPY, 3 PAIR, 4 PSUS/SSUS,
    5 PSUE; 233 ``EX_EWSTOT`` timeout, 234 ``EX_EWSUSE`` the pair was suspended (PSUE)."""

    name: Literal["WaitPairEvent"] = "WaitPairEvent"
    statuses: tuple[WaitStatus, ...] = Field(default=(), max_length=7)
    timeout: float | None = Field(default=None, ge=0, le=MAX_WAIT_SECONDS)
    nowait: bool = False
    svol_side: bool = False  # -nowaits / -ss: the S-VOL side's status
    cascade_mu: str | None = Field(default=None, pattern=r"^[0-9]{1,2}$")
    cascade_local: bool = False

    @model_validator(mode="after")
    def _statuses_or_nowait(self):
        if not self.nowait and not self.statuses:
            raise ValueError("pairevtwait needs -s <status> (or -nowait)")
        return self


class TakeOverPair(PairSelection, console=("horctakeover",), concurrency=EXCLUSIVE):
    """``horctakeover -g G [-d D]`` (TrueCopy/UR): run on the S-VOL's host, the S-VOL becomes
    the P-VOL (swap-takeover); on the P-VOL's host nothing is done (nop-takeover: the pair's
    ``done`` is false, ``reason`` says so). Result as ``CreatePair``."""

    name: Literal["TakeOverPair"] = "TakeOverPair"


class DisplayPairs(PairSelection, console=("pairdisplay",), concurrency=QUERY):
    """``pairdisplay -g G [-d D]``: both volumes of each pair, this host's first. Result:
    ``{"rows": [row…]}`` (``services.agent.pairs.display.display_rows`` names the fields)."""

    name: Literal["DisplayPairs"] = "DisplayPairs"


class ScanPort(Command, console=("raidscan",), concurrency=QUERY):
    """``raidscan -p <port> [-s <serial>]``: every LDEV on the port and the pairs on it, per
    MU#. Result: ``{"rows": [{"port", "target", "lu", "serial", "ldev", "mu", "role",
    "status", "fence", "partner_serial", "partner_ldev", "copy_type"}…]}``."""

    name: Literal["ScanPort"] = "ScanPort"
    port: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$")
    serial: SerialText | None = None


PAIR_COMMANDS = (CreatePair, SplitPair, ResyncPair, WaitPairEvent, TakeOverPair, DisplayPairs,
                 ScanPort)
