"""``drm hostinfo`` (``drmhostinfo``): the host information, answered by the host's agent."""
from __future__ import annotations

from events.host_commands import HostInfo
from services.cli.entries import AgentEntry, Shown
from services.cli.output import fields

LABELS = (
    ("hostname", "HOSTNAME"), ("node", "NODE"), ("os", "OS"), ("os_release", "OS RELEASE"),
    ("architecture", "ARCHITECTURE"), ("agent_version", "AGENT VERSION"),
    ("python", "PYTHON"), ("store", "EVENT STORE"), ("stream_head_seq", "EVENTS BEFORE THIS"),
)


def show(args, outcomes, agent) -> Shown:
    [outcome] = outcomes
    result = outcome.payload["result"]
    pairs = [(label, result.get(key, "")) for key, label in LABELS]
    pairs.append(("RECORDED AS", f"{outcome.type} seq {outcome.seq}"))
    return Shown(fields(pairs), outcome.to_wire())


HOSTINFO = AgentEntry(
    name="hostinfo", manual="drmhostinfo", summary="show the host information reported by a "
                                                   "host's agent",
    description="ask the host's agent for its host information. The agent records the\n"
                "answer as a CommandCompleted event on the host's stream.",
    commands=(HostInfo,), request=lambda args: HostInfo(), show=show, timeout=30.0)
