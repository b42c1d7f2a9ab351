"""Facts about the machine an agent runs on, for ``drmhostinfo``."""
from __future__ import annotations

import os
import platform
import socket
from importlib import metadata
from typing import Any, Protocol


class HostFacts(Protocol):
    def describe(self) -> dict[str, Any]:
        """Plain JSON-ready facts: node name, OS, versions. Never raises for a missing fact."""


def agent_version() -> str:
    try:
        return metadata.version("drm-agent")
    except metadata.PackageNotFoundError:
        return "unknown"


class LocalHostFacts:
    def describe(self) -> dict[str, Any]:
        return {
            "node": socket.gethostname(),
            "os": platform.system(),
            "os_release": platform.release(),
            "architecture": platform.machine(),
            "python": platform.python_version(),
            "agent_version": agent_version(),
            "pid": os.getpid(),
        }
