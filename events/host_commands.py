"""Commands every host's agent answers, whatever its role."""
from __future__ import annotations

from typing import Literal

from events.command_base import CONCURRENT, Command


class HostInfo(Command, console=("drmhostinfo",), concurrency=CONCURRENT):
    """``drmhostinfo``: the host's facts and the head of its stream (records its outcome)."""

    name: Literal["HostInfo"] = "HostInfo"


HOST_COMMANDS = (HostInfo,)
