"""The agent's typed ports: what a handler may use besides the view and the store.

``AgentPorts`` is one frozen object built by the composition root (``services.agent.bootstrap``)
and handed to every handler through its context; each field is a small ``Protocol`` that the
simulated adapters and the tests' in-memory fakes both honour (``tests/unit/agent/test_ports``
checks them with ``isinstance``). A port a host does not have (no lab loaded, no broker) is
``None``; the handler that needs it refuses the command with a clear message.

This module imports no adapter: the Protocols describe what the agent asks, not who answers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, runtime_checkable

from services.agent.application_port import ApplicationPort

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@runtime_checkable
class StoragePort(Protocol):
    """The storage array as the agent drives it (CCI semantics, see ``adapters.storage.base``)."""

    def volume_path(self, volume) -> Path: ...

    def mount(self, volume, mount_point: Path, read_only: bool | None = None) -> bool: ...

    def unmount(self, mount_point: Path): ...

    def read_only_guard(self, volume): ...

    def mounted_volume(self, mount_point: Path): ...

    def mount_mode(self, mount_point: Path) -> str | None: ...

    def paircreate(self, pvol, svol, copy_type, mu: str = "", *, fence: str = "NEVER"): ...

    def pairsplit(self, volume, mu: str = "", *, read_write: bool = False,
                  simplex: bool = False): ...

    def pairresync(self, volume, mu: str = "", *, restore: bool = False,
                   swaps: bool = False): ...

    def fail(self, volume, mu: str = "", reason: str = "array failure"): ...

    def records(self) -> list: ...

    def recover(self) -> None: ...

    def pairdisplay(self, volume, mu: str = ""): ...

    def pairevtwait(self, volume, mu: str, status, timeout: float): ...


@runtime_checkable
class TapePort(Protocol):
    """The tape library of a backup server (see ``adapters.tape.base``)."""

    def media(self) -> tuple[str, ...]: ...

    def write(self, medium: str, label: str, source: Path, progress=None) -> int: ...

    def read(self, medium: str, label: str, target: Path, progress=None) -> int: ...

    def delete(self, medium: str, label: str) -> None: ...

    def exists(self, medium: str, label: str) -> bool: ...

    def discard_partial(self) -> list[str]: ...


@runtime_checkable
class PeersPort(Protocol):
    """Sends a command to another host's agent without waiting for it; True when an agent
    consumes that host's queue now."""

    def send(self, command) -> bool: ...


@dataclass(frozen=True)
class ScriptResult:
    """How a user script command ended: ``return_code`` (0 for ``NOWAIT``), whether it was
    killed at its timeout, and the tail of its output."""

    return_code: int
    timed_out: bool = False
    nowait: bool = False
    output: str = ""


class ScriptError(Exception):
    """A user script command could not be run at all (a remote agent refused or never
    answered); the text says why."""


@runtime_checkable
class ScriptPort(Protocol):
    """Runs one user script command on this host (``timeout`` 0: no limit; None: NOWAIT)."""

    def run(self, argv, env, timeout: int | None) -> ScriptResult: ...


@runtime_checkable
class RemoteScriptPort(Protocol):
    """Runs a ``LOCATION=REMOTE`` command on another host's agent and waits for its end
    (the envelope of a ``RunRemoteScriptCommand``); raises ``ScriptError``."""

    def run(self, envelope) -> ScriptResult: ...


@runtime_checkable
class RepublisherPort(Protocol):
    """Publishes stored events again, in order; returns how many were published."""

    def publish(self, events: Iterable) -> int: ...


@runtime_checkable
class HostFactsPort(Protocol):
    """Plain JSON-ready facts about the machine (node, OS, versions)."""

    def describe(self) -> dict[str, Any]: ...


@runtime_checkable
class LabPort(Protocol):
    """The lab definition loaded in the data directory (``adapters.lab.model.Lab``)."""

    name: str
    hosts: Any


@dataclass(frozen=True)
class AgentPorts:
    """Everything effectful a handler may reach, typed. ``settings`` is the agent's
    ``services.settings.Settings`` (read-only), ``data_dir`` the root that relative mount
    points are resolved against. ``applications`` holds the host's database products by kind
    (``services.agent.application_port``)."""

    storage: StoragePort | None = None
    tape: TapePort | None = None
    peers: PeersPort | None = None
    republisher: RepublisherPort | None = None
    host_facts: HostFactsPort | None = None
    lab: LabPort | None = None
    scripts: ScriptPort | None = None
    remote_scripts: RemoteScriptPort | None = None
    applications: Mapping[str, ApplicationPort] = field(default_factory=dict)
    data_dir: Path | None = None
    settings: Any = None
    clock: Clock = field(default=utc_now)

    def __post_init__(self) -> None:
        """Refuse an adapter that does not honour its port (a missing method fails here, at
        start-up, not in the middle of a workflow)."""
        for name, protocol in PORT_TYPES.items():
            value = getattr(self, name)
            if value is not None and not isinstance(value, protocol):
                raise TypeError(f"the {name} port needs a {protocol.__name__}, "
                                f"got {type(value).__name__}")
        for kind, application in self.applications.items():
            if not isinstance(application, ApplicationPort) or application.kind != kind:
                raise TypeError(f"the {kind} application needs an ApplicationPort of that kind, "
                                f"got {type(application).__name__}")

    def application(self, kind: str) -> ApplicationPort | None:
        """The host's ``kind`` application (``sqlserver``, ``postgresql``), or None."""
        return self.applications.get(kind)


PORT_TYPES: dict[str, type] = {"storage": StoragePort, "tape": TapePort, "peers": PeersPort,
                               "republisher": RepublisherPort, "host_facts": HostFactsPort,
                               "lab": LabPort, "scripts": ScriptPort,
                               "remote_scripts": RemoteScriptPort}
