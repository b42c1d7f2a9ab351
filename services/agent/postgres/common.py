"""What every PostgreSQL handler shares: the host's ``postgresql`` application (or a
rejection that changes nothing) and the completed outcome."""
from __future__ import annotations

from events.base import Payload
from events.outcomes import CommandCompleted
from services import messages
from services.agent.errors import reject

KIND = "postgresql"


def application(context):
    app = context.ports.application(KIND)
    if app is None:
        raise reject(messages.NO_LAB, "this host runs no PostgreSQL application (the agent was "
                                      "started without one)")
    return app


def done(command, **result) -> list[Payload]:
    return [CommandCompleted(command=command.name, result=result)]
