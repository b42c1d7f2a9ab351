"""Commands handed straight to an in-process agent, for the benchmarks that time one."""
from __future__ import annotations

from datetime import datetime, timezone

from events import CommandEnvelope
from events.catalogue import CATALOGUE


def command(host: str, name: str, **args) -> CommandEnvelope:
    """The envelope of catalogue command ``name`` with ``args`` for ``host``."""
    return CommandEnvelope(command=CATALOGUE[name].model_validate({**args, "name": name}),
                           target_host=host, principal="bench@local",
                           issued_at=datetime.now(timezone.utc))


def completed(agent, host: str, name: str, **args):
    """Handle the command on ``agent``; its outcome, or RuntimeError unless it completed."""
    outcome = agent.handle(command(host, name, **args))
    if outcome.type != "CommandCompleted":
        raise RuntimeError(f"{name}: {outcome.payload}")
    return outcome
