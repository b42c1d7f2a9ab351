"""``drm agent --host H``: serve one host's command queue until stopped (SIGTERM or Ctrl-C)."""
from __future__ import annotations

import logging
import signal
import threading

from services import messages
from services.agent.bootstrap import run_agent
from services.cli.entries import LocalEntry
from services.cli.errors import CliError
from services.settings import load_settings


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "agent", help="run the agent of one host (distributed mode)",
        description="Consume the host's command queue on RabbitMQ (DRM_BROKER_URL), record "
                    "events in the host's store (DRM_DATABASE_URL or a SQLite file under "
                    "DRM_DATA_DIR) and publish them through the outbox relay.")
    parser.add_argument("--host", help="host to serve (default: DRM_HOSTNAME)")
    parser.add_argument("--log-level", default="INFO")
    parser.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    if settings.embedded:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.BAD_COMMAND, "drm agent needs DRM_BROKER_URL=amqp://...; without a broker "
                                  "every drm command runs its agent in-process"))
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # while starting: stop once started
        signal.signal(signum, lambda *_: stop.set())
    run_agent(settings, args.host or settings.hostname, stop, signals=True)
    return 0


AGENT = LocalEntry("agent", register)
