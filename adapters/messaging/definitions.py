"""RabbitMQ definitions for per-component identities (``drm lab credentials``, ADR 0006).

``broker_definitions`` builds, for a namespace and a vhost, the JSON document RabbitMQ loads
(``rabbitmqctl import_definitions`` or the management API's ``POST /api/definitions``):

- one user per host agent, CLI principal and reporting consumer (``identities`` names them),
  each with a salted SHA-256 password hash (RabbitMQ's ``rabbit_password_hashing_sha256``), so
  the document holds no password;
- their permissions (configure / write / read regular expressions) and, on the events
  exchange, their topic permissions: an agent writes only routing keys ``<host>.*``;
- the whole topology (exchanges, the shared log, the dead letters, every host's command queue
  and the bindings): with identities, components never create or delete shared entities, they
  only check them with passive declares (``Topology(managed=True)``), which need no permission.

``write_credentials`` writes the document and one secret file per user (mode 0600).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from adapters.messaging.identities import agent_user, cli_user, report_user
from adapters.messaging.topology import Topology

HASHING = "rabbit_password_hashing_sha256"
NOTHING = "^$"


@dataclass(frozen=True)
class Principals:
    """Who gets a broker user: host agents, CLI machines and reporting consumers."""

    hosts: tuple[str, ...]
    clis: tuple[str, ...]
    reporters: tuple[str, ...]

    def users(self) -> tuple[str, ...]:
        return (*map(agent_user, self.hosts), *map(cli_user, self.clis),
                *map(report_user, self.reporters))


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's stored form: base64(salt + SHA-256(salt + UTF-8 password)), 4-byte salt."""
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def new_secrets(users: tuple[str, ...]) -> dict[str, str]:
    return {user: secrets.token_urlsafe(24) for user in users}


def _only(*names: str) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


def _permissions(topology: Topology, principals: Principals) -> list[dict]:
    ns, events, commands = topology.namespace, topology.events.name, topology.commands.name
    log, subscribers = topology.event_log_name, re.escape(f"{ns}.sub.") + ".*"
    rows = [(agent_user(h), NOTHING, _only(events, commands, "amq.default"),
             _only(topology.agent_queue(h).name)) for h in principals.hosts]
    rows += [(cli_user(c), NOTHING, _only(commands), _only(log)) for c in principals.clis]
    dead = re.escape(topology.dead_letters.name)  # its live queues dead-letter there
    rows += [(report_user(r), f"^{subscribers}$",
              f"^({re.escape(commands)}|{dead}|{subscribers})$",
              f"^({re.escape(log)}|{re.escape(events)}|{subscribers})$")
             for r in principals.reporters]
    return [{"user": u, "configure": c, "write": w, "read": r} for u, c, w, r in rows]


def _topic_permissions(topology: Topology, principals: Principals) -> list[dict]:
    rows = [(agent_user(h), f"^{re.escape(h)}\\.") for h in principals.hosts]
    rows += [(user, NOTHING) for user in (*map(cli_user, principals.clis),
                                          *map(report_user, principals.reporters))]
    return [{"user": u, "exchange": topology.events.name, "write": w, "read": ".*"}
            for u, w in rows]


def _topology(topology: Topology, hosts: tuple[str, ...]) -> dict:
    exchanges = [{"name": e.name, "type": e.type, "durable": True, "auto_delete": False,
                  "internal": False, "arguments": {}}
                 for e in (topology.commands, topology.events, topology.dead_letters)]
    queues = [topology.event_log, topology.dead_letter_queue,
              *(topology.agent_queue(h) for h in hosts)]
    return {
        "exchanges": exchanges,
        "queues": [{"name": q.name, "durable": True, "auto_delete": False,
                    "arguments": dict(q.queue_arguments or {})} for q in queues],
        "bindings": [{"source": q.exchange.name, "destination": q.name,
                      "destination_type": "queue", "routing_key": q.routing_key,
                      "arguments": {}} for q in queues],
    }


def broker_definitions(namespace: str, vhost: str, principals: Principals,
                       passwords: dict[str, str]) -> dict:
    """The definitions document (see the module docstring); ``passwords`` by user name."""
    topology = Topology(namespace)
    document = {
        "users": [{"name": user, "password_hash": password_hash(passwords[user]),
                   "hashing_algorithm": HASHING, "tags": ""} for user in principals.users()],
        "vhosts": [{"name": vhost}],
        "permissions": _permissions(topology, principals),
        "topic_permissions": _topic_permissions(topology, principals),
        **_topology(topology, principals.hosts),
    }
    for key in ("permissions", "topic_permissions", "exchanges", "queues", "bindings"):
        for row in document[key]:
            row["vhost"] = vhost
    return document


def secret_document(user: str, password: str) -> dict:
    """What a component reads from its secret file (``DRM_BROKER_SECRET_FILE``)."""
    return {"user": user, "password": password}


def write_credentials(directory: Path, definitions: dict,
                      passwords: dict[str, str]) -> list[Path]:
    """Write ``definitions.json`` and ``secrets/<user>.json`` (mode 0600) under ``directory``;
    return the paths written."""
    secrets_dir = directory / "secrets"
    secrets_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(secrets_dir, 0o700)
    written = [directory / "definitions.json"]
    write_private(written[0], json.dumps(definitions, indent=2) + "\n")
    for user, password in passwords.items():
        path = secrets_dir / f"{user}.json"
        write_private(path, json.dumps(secret_document(user, password)) + "\n")
        written.append(path)
    return written


def write_private(path: Path, text: str) -> None:
    """Create (or replace) ``path`` readable by its owner alone, never briefly wider."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
