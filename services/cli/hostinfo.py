"""``drm hostinfo`` (``drmhostinfo``): the host information, answered by the host's agent."""
from __future__ import annotations

from services.cli.output import emit_json, fields, framed, raise_for_outcome
from services.cli.runtime import command_runner
from services.settings import load_settings

LABELS = (
    ("hostname", "HOSTNAME"), ("node", "NODE"), ("os", "OS"), ("os_release", "OS RELEASE"),
    ("architecture", "ARCHITECTURE"), ("agent_version", "AGENT VERSION"),
    ("python", "PYTHON"), ("store", "EVENT STORE"), ("stream_head_seq", "EVENTS BEFORE THIS"),
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "hostinfo", help="show the host information reported by a host's agent",
        description="Ask the host's agent for its host information. The agent records the "
                    "answer as a CommandCompleted event on the host's stream.")
    parser.add_argument("--host", help="target host (default: DRM_HOSTNAME, else this machine)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds to wait for the agent (default 30)")
    parser.add_argument("--json", action="store_true", help="print the outcome event as JSON")
    parser.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    host = args.host or settings.hostname
    with command_runner(settings) as runner:
        outcome = runner.call("HostInfo", host, timeout=args.timeout)
    raise_for_outcome("drmhostinfo", outcome)
    if args.json:
        emit_json(outcome.to_wire())
        return 0
    result = outcome.payload["result"]
    pairs = [(label, result.get(key, "")) for key, label in LABELS]
    pairs.append(("RECORDED AS", f"{outcome.type} seq {outcome.seq}"))
    framed("drmhostinfo", fields(pairs))
    return 0
