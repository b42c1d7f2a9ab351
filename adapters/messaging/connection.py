"""Opening broker connections: one place for transport options."""
from __future__ import annotations

from kombu import Connection


def open_connection(url: str, confirms: bool = True) -> Connection:
    """A kombu connection; on AMQP with publisher confirms (a publish returns once the
    broker has the message). ``memory://`` is the embedded, in-process transport."""
    options: dict = {}
    if url.startswith("memory://"):
        options["polling_interval"] = 0.005
    elif confirms:
        options["confirm_publish"] = True
    return Connection(url, transport_options=options, heartbeat=0)
