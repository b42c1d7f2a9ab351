"""A virtual server served from one node of its cluster: one active node, the others standby.

The lab names a virtual server's nodes (``nodes = ["NodeA", "NodeB"]`` on its host entry). Its
agent runs on every node (``DRM_NODE_NAME`` says which) against the virtual server's store on
the cluster's shared disk (here the data directory, which every node reaches: the arrays, the
mount points and ``hosts/<virtual server>/``), with the virtual server's broker identity and
signing key (``drm lab credentials`` gives both to each node).

Who decides:
- **The command queue hands over.** Every node consumes ``<p>.agent.<virtual server>``, which
  has ``x-single-active-consumer``: the broker delivers to one consumer only; when its
  connection closes (a SIGKILL closes the socket at once), the next consumer becomes the active
  one and gets the unacked command again.
- **A node becomes active on its first command.** Standing by, a node has its agent built
  (store, view, ports) but has run no start-up recovery and no outbox relay: either would act
  on a stream another node is writing. On the first delivery it takes the virtual server's
  cluster resource (``ClusterResource``), records ``ClusterNodeActivated``, runs start-up
  recovery (the dead node's open workflow is finished or aborted; the command it was running
  is settled, so when delivered again it answers with that outcome and never runs twice),
  starts the relay and only then handles the command.
- **The cluster resource fences.** It is an ``flock`` on the shared disk, held while the node
  is active: the kernel frees it when the holder dies; a node that loses its broker connection
  gives it up (``deactivate``) as soon as the command in hand is done. A node taking over checks
  it every ``CLU_RETRY_WAIT`` seconds, ``CLU_RETRY_TIME`` times (0 = for ever; ``init.conf``,
  spec 02 §3); when the retries run out it drops its connection, the command goes back to the
  queue and the node tries again after reconnecting.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable

from adapters.config.init_conf import ClusterRetry
from adapters.lab.model import Lab
from adapters.messaging.connection import open_connection
from adapters.messaging.identities import Identities
from adapters.messaging.relay import OutboxRelay
from adapters.messaging.topology import Topology
from adapters.paths import host_dir
from events import CommandEnvelope
from events.cluster import ActivateClusterNode
from services.agent.bootstrap import AGENT_HEARTBEAT, RELAY_GRACE, build_agent
from services.agent.restart import recover_at_start
from services.agent.service import HostAgent
from services.agent.serving import Activity, Interrupted, interrupt_on_signals, serve
from services.agent.worker import AgentWorker
from services.settings import Settings

log = logging.getLogger(__name__)


class ClusterResourceBusy(ConnectionError):
    """The cluster resource stayed held past the retries: give the queue to another node."""


def cluster_nodes(lab: Lab | None, host: str) -> tuple[str, ...]:
    """The nodes of ``host`` when the lab makes it a virtual server, else ``()``."""
    entry = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == host.lower()),
                 None)
    return tuple(entry.nodes) if entry is not None else ()


def resource_path(data_dir: Path, host: str) -> Path:
    return host_dir(data_dir, host) / "cluster.lock"


class ClusterResource:
    """The virtual server's cluster resource: an ``flock`` on the shared disk (see above)."""

    def __init__(self, path: Path, retry: ClusterRetry, stop: threading.Event) -> None:
        self.path, self.retry, self.stop = Path(path), retry, stop
        self._fd = -1

    @property
    def held(self) -> bool:
        return self._fd >= 0

    def acquire(self) -> bool:
        """Take the resource, checking every ``retry_wait`` s, ``retry_time`` times after the
        first (0: until ``stop``); False when the retries ran out or ``stop`` was set."""
        if self.held:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        attempts = 0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
                return True
            except BlockingIOError:
                attempts += 1
            if (self.retry.retry_time and attempts > self.retry.retry_time) or \
                    self.stop.wait(self.retry.retry_wait):
                os.close(fd)
                return False

    def release(self) -> None:
        if self.held:
            fd, self._fd = self._fd, -1
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class ClusterNode:
    """One node's side of a virtual server: standby until its first command (see above)."""

    def __init__(self, agent: HostAgent, node: str, resource: ClusterResource,
                 start_relay: Callable[[], tuple[threading.Event, Callable[[], None]]]) -> None:
        self.agent, self.node, self.resource = agent, node, resource
        self.start_relay = start_relay
        self.active = False
        self.relay_wake: threading.Event | None = None
        self._stop_relay: Callable[[], None] | None = None

    def ensure_active(self) -> None:
        """Become the active node (no-op when it is); ``ClusterResourceBusy`` when the
        cluster resource cannot be had within the ``CLU_RETRY_*`` retries."""
        if self.active:
            return
        host = self.agent.host
        if not self.resource.acquire():
            raise ClusterResourceBusy(f"node {self.node}: the cluster resource of {host} is "
                                      f"still held (CLU_RETRY_TIME={self.resource.retry.retry_time}"
                                      f", CLU_RETRY_WAIT={self.resource.retry.retry_wait:g})")
        log.info("node %s takes over virtual server %s", self.node, host)
        self.agent.handle(CommandEnvelope(
            command=ActivateClusterNode(node=self.node), target_host=host,
            principal=f"cluster@{self.node}", issued_at=datetime.now(timezone.utc)))
        recover_at_start(self.agent)
        self.relay_wake, self._stop_relay = self.start_relay()
        self.active = True
        log.info("node %s is the active node of virtual server %s", self.node, host)

    def deactivate(self) -> None:
        """Stand by again: stop the relay and free the cluster resource."""
        if self._stop_relay is not None:
            self._stop_relay()
            self._stop_relay = self.relay_wake = None
        if self.active:
            log.info("node %s stands by for virtual server %s", self.node, self.agent.host)
        self.active = False
        self.resource.release()


class ClusterWorker(AgentWorker):
    """An agent worker that makes its node the active one before the first command."""

    def __init__(self, node: ClusterNode, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.node = node

    def on_message(self, body, message) -> None:
        self.node.ensure_active()  # raising drops the connection: the command is redelivered
        self.relay_wake = self.node.relay_wake
        super().on_message(body, message)


def run_cluster_node(settings: Settings, host: str, retry: ClusterRetry,
                     stop: threading.Event | None = None, ready: threading.Event | None = None,
                     signals: bool = False) -> None:
    """Serve virtual server ``host`` from node ``settings.node_name`` until ``stop``."""
    stop = stop or threading.Event()
    agent = build_agent(settings, host, recover_now=False)
    topology = Topology(settings.namespace, managed=settings.identities)
    node = ClusterNode(agent, settings.node_name,
                       ClusterResource(resource_path(settings.data_dir, host), retry, stop),
                       partial(_start_relay, settings, agent, topology))
    worker = ClusterWorker(node, None, topology, agent, None,
                           identities=Identities(settings.identities))
    connect = partial(open_connection, settings.broker_url, heartbeat=AGENT_HEARTBEAT)
    activity = Activity()
    log.info("node %s of virtual server %s: standing by", settings.node_name, host)
    try:
        with interrupt_on_signals(stop, activity) if signals else contextlib.nullcontext():
            serve(worker, connect, stop, ready, activity, on_lost=node.deactivate)
    except Interrupted:
        log.info("node %s of %s stopped by a signal", settings.node_name, host)
    finally:
        stop.set()
        node.deactivate()


def _start_relay(settings: Settings, agent: HostAgent,
                 topology: Topology) -> tuple[threading.Event, Callable[[], None]]:
    """Start the outbox relay of the active node; return its wake event and its stop."""
    relay = OutboxRelay(agent.store, lambda: open_connection(settings.broker_url), topology,
                        host=agent.host)
    relay_stop = threading.Event()
    thread = relay.start(relay_stop)

    def stop_relay() -> None:
        relay_stop.set()
        relay.wake.set()
        thread.join(timeout=RELAY_GRACE)
    return relay.wake, stop_relay
