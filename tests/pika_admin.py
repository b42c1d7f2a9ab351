"""pika, the broker admin tool of tests and benchmarks (the runtime path never imports it)."""
from __future__ import annotations

from urllib.parse import quote, urlparse

import pika


def pika_parameters(url: str) -> pika.URLParameters:
    """pika's parameters for a kombu-style URL (``amqp://u:p@h:5672//`` means vhost ``/``)."""
    parsed = urlparse(url)
    vhost = parsed.path[1:] if parsed.path.startswith("/") else parsed.path
    vhost = vhost or "/"
    return pika.URLParameters(f"amqp://{parsed.netloc}/{quote(vhost, safe='')}")
