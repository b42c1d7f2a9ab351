"""Opening broker connections: one place for transport options.

Every message published on a connection opened here carries the AMQP ``user_id`` property: the
user the connection logged in as. RabbitMQ refuses a publish whose ``user_id`` is not the
connection's own user, so a consumer can trust it as the publisher's identity (ADR 0006).
"""
from __future__ import annotations

from kombu import Connection
from kombu.transport import pyamqp

CONNECT_TIMEOUT = 4.0  # seconds for TCP connect and for the AMQP handshake each


class _IdentifiedChannel(pyamqp.Channel):
    """A channel that stamps ``user_id`` = the connection's login user on what it publishes."""

    def prepare_message(self, body, priority=None, content_type=None, content_encoding=None,
                        headers=None, properties=None, **kwargs):
        properties = dict(properties or {})
        client = getattr(self.connection, "client", None)
        if client is not None and client.userid and "user_id" not in properties:
            properties["user_id"] = client.userid
        return super().prepare_message(body, priority, content_type, content_encoding,
                                       headers, properties, **kwargs)


class _IdentifiedConnection(pyamqp.Connection):
    Channel = _IdentifiedChannel


class IdentifiedTransport(pyamqp.Transport):
    Connection = _IdentifiedConnection


class IdentifiedSSLTransport(pyamqp.SSLTransport):
    Connection = _IdentifiedConnection


def open_connection(url: str, confirms: bool = True, heartbeat: int = 0) -> Connection:
    """A kombu connection; on AMQP with publisher confirms (a publish returns once the
    broker has the message) and ``user_id`` on every message. ``memory://`` is the embedded,
    in-process transport."""
    options: dict = {}
    if url.startswith("memory://"):
        options["polling_interval"] = 0.005
        return Connection(url, transport_options=options, heartbeat=0)
    if confirms:
        options["confirm_publish"] = True
    tls = url.startswith("amqps://")
    return Connection(url, transport=IdentifiedSSLTransport if tls else IdentifiedTransport,
                      ssl=tls, transport_options=options, heartbeat=heartbeat,
                      connect_timeout=CONNECT_TIMEOUT)


def login_user(connection: Connection) -> str | None:
    """The user ``connection`` logs in as (None on ``memory://``)."""
    if connection.transport.driver_type == "memory":
        return None
    return connection.userid or "guest"
