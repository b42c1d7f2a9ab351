"""``drm agent --host H``: serve one host's command queue until stopped (SIGTERM or Ctrl-C).

When the lab makes ``H`` a cluster's virtual server (its ``nodes``), this process is the node
``DRM_NODE_NAME`` of it: active or standby (``services.agent.cluster``), with the ``CLU_*``
retries of ``init.conf`` (``DRM_INIT_CONF``)."""
from __future__ import annotations

import logging
import signal
import threading

from services import messages
from adapters.config.init_conf import InitConfError, load_init_conf
from adapters.lab.provision import stored_lab
from services.agent.bootstrap import run_agent
from services.agent.cluster import cluster_nodes, run_cluster_node
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
    host = args.host or settings.hostname
    nodes = cluster_nodes(stored_lab(settings.data_dir), host)
    if not nodes:
        run_agent(settings, host, stop, signals=True)
        return 0
    if settings.node_name.lower() not in {node.lower() for node in nodes}:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.NOT_A_CLUSTER_NODE, f"{host} is a virtual server of nodes "
            f"{', '.join(nodes)}; this is node {settings.node_name} (DRM_NODE_NAME)"))
    try:
        init_conf = load_init_conf(settings.init_conf_file)
    except InitConfError as error:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.INIT_CONF_UNREADABLE, str(error))) from None
    for warning in init_conf.warnings:
        logging.getLogger(__name__).warning("%s", warning)
    run_cluster_node(settings, host, init_conf.clu_retry, stop, signals=True)
    return 0


AGENT = LocalEntry("agent", register)
