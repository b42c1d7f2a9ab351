"""Who may say what on the bus: broker user names and the checks consumers make (ADR 0006).

Every component connects as its own RabbitMQ user (``drm lab credentials`` generates them):

| user                  | who                         | writes                          | reads            |
|-----------------------|-----------------------------|---------------------------------|------------------|
| ``drm-agent-<host>``  | the agent of ``<host>``     | events ``<host>.*``, commands,  | its own command  |
|                       |                             | replies (default exchange)      | queue            |
| ``drm-cli-<name>``    | the CLI on machine ``name`` | commands                        | the shared log   |
| ``drm-report-<name>`` | a reporting consumer        | commands (gap requests)         | the shared log   |

Publishers set the AMQP ``user_id`` property to the user they logged in as; the broker refuses
a publish whose ``user_id`` is another user's. What the broker cannot refuse is checked by the
consumer: an event must come from its host's agent (a reply published through the default
exchange can reach the shared log's queue by name), and a command from the user its principal
names (the commands exchange is direct, where topic permissions do not apply).

A principal is ``who@where``: ``agent@H`` (one agent asking another) must come from
``drm-agent-H``, ``drm-report@N`` from ``drm-report-N``, any other ``login@M`` from
``drm-cli-M``. The checks are on when identities are configured (``Identities(enabled=True)``);
embedded mode (``memory://``) has one process and no identities.
"""
from __future__ import annotations

from dataclasses import dataclass

AGENT_PREFIX, CLI_PREFIX, REPORT_PREFIX = "drm-agent-", "drm-cli-", "drm-report-"
AGENT_PRINCIPALS = frozenset({"agent"})  # principals an agent puts on commands it sends
REPORT_PRINCIPAL = "drm-report"
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"


def agent_user(host: str) -> str:
    return AGENT_PREFIX + host


def cli_user(name: str) -> str:
    return CLI_PREFIX + name


def report_user(name: str) -> str:
    return REPORT_PREFIX + name


def user_of_principal(principal: str) -> str | None:
    """The broker user allowed to send a command on behalf of ``principal`` (``who@where``),
    or None when the principal does not have that form."""
    who, at, where = principal.rpartition("@")
    if not at or not who or not where:
        return None
    if who in AGENT_PRINCIPALS:
        return agent_user(where)
    if who == REPORT_PRINCIPAL:
        return report_user(where)
    return cli_user(where)


def principal_for(user: str | None, login: str, fallback: str) -> str:
    """The principal a CLI or reporting consumer logged in as ``user`` puts on its commands:
    ``login@<name>`` for ``drm-cli-<name>``, ``drm-report@<name>`` for ``drm-report-<name>``;
    ``fallback`` for any other user (no identities)."""
    if user and user.startswith(CLI_PREFIX):
        return f"{login}@{user[len(CLI_PREFIX):]}"
    if user and user.startswith(REPORT_PREFIX):
        return f"{REPORT_PRINCIPAL}@{user[len(REPORT_PREFIX):]}"
    return fallback


def is_direct_reply_to(reply_to: str) -> bool:
    """True for a reply queue of the requesting connection (RabbitMQ direct reply-to: the
    broker rewrites ``amq.rabbitmq.reply-to`` into this connection's own, unguessable name)."""
    return reply_to.startswith(DIRECT_REPLY_TO + ".")


@dataclass(frozen=True)
class Identities:
    """The consumers' side of identities: why a message is refused, or None to accept it."""

    enabled: bool = False

    def event_refusal(self, user_id: str | None, host: str) -> str | None:
        if not self.enabled or user_id == agent_user(host):
            return None
        return (f"an event of host {host} must be published by {agent_user(host)}, "
                f"not by {user_id or 'an unnamed user'} (user_id)")

    def command_refusal(self, user_id: str | None, principal: str) -> str | None:
        if not self.enabled:
            return None
        wanted = user_of_principal(principal)
        if wanted is not None and user_id == wanted:
            return None
        return (f"a command of principal {principal!r} must be published by "
                f"{wanted or 'a user named by a who@where principal'}, "
                f"not by {user_id or 'an unnamed user'} (user_id)")


NO_IDENTITIES = Identities(enabled=False)
