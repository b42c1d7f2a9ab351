"""Composition root of the host agent: build the store, ports and handlers, then run.

Nothing here runs at import time. ``build_agent`` is shared by both ways to run:
- distributed: ``run_agent`` consumes the host's queue on RabbitMQ until stopped, with the
  outbox relay in a background thread;
- embedded: ``EmbeddedAgents`` drives agents in the caller's thread over ``memory://``.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from functools import partial
from typing import Callable, Iterator

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.host_facts import LocalHostFacts
from adapters.messaging.connection import open_connection
from adapters.messaging.identities import Identities
from adapters.messaging.relay import OutboxRelay
from adapters.messaging.republish import EventRepublisher
from adapters.messaging.topology import Topology
from adapters.migrations import upgrade
from adapters.scripts import ProcessScripts
from adapters.lab.provision import open_storage, stored_lab
from adapters.tape import open_library
from services.agent.extended.remote import BusRemoteScripts, EmbeddedRemoteScripts
from services.agent.filesystem.slot import CommandSlot, retry_policy, slot_path
from services.agent.handlers import COMMAND_HANDLERS, QUERY_HANDLERS
from services.agent.ports import AgentPorts
from services.agent.restart import recover_at_start
from services.agent.service import HostAgent
from services.agent.snapshots import snapshot_keeper
from services.agent.serving import Activity, Interrupted, interrupt_on_signals, serve
from services.agent.transfer.peers import PeerCommands
from services.agent.worker import AgentWorker
from services.settings import Settings

log = logging.getLogger(__name__)


def open_store(settings: Settings, host: str, sign: bool = True) -> SqlEventStore:
    """The event store of ``host``; with ``sign``, its appends are signed with the host's key
    (created on first use: ``services.trust``)."""
    from services.trust import host_signer

    engine = make_engine(settings.database_url_for(host))
    upgrade(engine)
    return SqlEventStore(engine, signer=host_signer(settings, host) if sign else None)


def agent_ports(settings: Settings, peers=None, republisher=None,
                remote_scripts=None, host: str | None = None) -> AgentPorts:
    """The typed ports of an agent: the lab, its arrays and its tape library when a lab is
    loaded in the data directory (else None), the host's facts, the peers and republisher;
    with ``host``, the host's applications (its simulated SQL Server instance process,
    started on first use when the lab gives the host instances)."""
    lab = stored_lab(settings.data_dir)
    storage = open_storage(settings.data_dir, settings.read_only_guard) if lab is not None \
        else None
    # slice sql-instance: the host's database products (adapters.sqlserver.lab)
    applications = _applications(settings, lab, host) if host else {}
    return AgentPorts(storage=storage, tape=open_library(settings.data_dir, lab), peers=peers,
                      republisher=republisher, host_facts=LocalHostFacts(), lab=lab,
                      scripts=ProcessScripts(), remote_scripts=remote_scripts,
                      data_dir=settings.data_dir, settings=settings,
                      applications=applications)


def _applications(settings: Settings, lab, host: str) -> dict:
    """The simulated SQL Server client when the lab gives ``host`` instances; imported only
    then (an agent of any other host does not pay for it at start)."""
    if lab is None or not any(h.name.lower() == host.lower() and h.sql_instances
                              for h in lab.hosts):
        return {}
    from adapters.sqlserver.lab import application_ports

    return application_ports(settings.data_dir, lab, host)


def with_postgres(ports: AgentPorts, settings: Settings, host: str) -> AgentPorts:
    """Issue 14 (pg-commands): the lab's PostgreSQL clusters of ``host`` as its
    ``postgresql`` application (``adapters.postgres``), when it declares any and the server
    binaries are here; else ``ports`` unchanged (the commands then refuse, naming why)."""
    lab = ports.lab
    if lab is None or not any(c.host == host for c in getattr(lab, "postgres_clusters", ())):
        return ports
    from dataclasses import replace

    from adapters.lab.postgres import cluster_specs
    from adapters.lab.provision import mount_path
    from adapters.postgres.application import PostgresApplication
    from services.agent.application_port import ApplicationError

    try:
        application = PostgresApplication(cluster_specs(lab, settings.data_dir, host,
                                                        mount_path))
    except ApplicationError as error:
        log.warning("no PostgreSQL application on %s: %s", host, error)
        return ports
    return replace(ports, applications={**ports.applications, "postgresql": application})


def build_agent(settings: Settings, host: str, store: SqlEventStore | None = None,
                recover_now: bool = True, peers: PeerCommands | None = None,
                remote_scripts=None) -> HostAgent:
    """The agent of ``host``, its view loaded from its latest usable snapshot plus the events
    after it (``services.agent.snapshots``); with ``recover_now``, workflows a dead agent left
    open are ended. ``peers`` sends commands to other agents (default: over
    ``settings.broker_url``)."""
    store = store or open_store(settings, host)
    topology = Topology(settings.namespace, managed=settings.identities)
    peers = peers or PeerCommands(lambda: open_connection(settings.broker_url), topology)
    republisher = EventRepublisher(lambda: open_connection(settings.broker_url), topology)
    remote_scripts = remote_scripts or BusRemoteScripts(
        lambda: open_connection(settings.broker_url), topology)
    ports = agent_ports(settings, peers, republisher, remote_scripts, host=host)
    ports = with_postgres(ports, settings, host)  # issue 14: pg-commands
    slot = CommandSlot(slot_path(settings.data_dir, host), retry_policy(ports.lab, host))
    agent = HostAgent(host, store, COMMAND_HANDLERS, ports, queries=QUERY_HANDLERS,
                      command_slot=slot, snapshots=snapshot_keeper(settings, host))
    if recover_now:
        recover_at_start(agent)
    agent.snapshot_if_due()  # a long fold at start is saved for the next one
    return agent


def run_agent(settings: Settings, host: str, stop: threading.Event | None = None,
              ready: threading.Event | None = None, signals: bool = False) -> None:
    """Serve ``host`` until ``stop`` is set (or forever); reconnects after broker outages and
    stops within a few seconds of ``stop`` in every state (``serving.serve``); with
    ``signals`` (main thread), SIGTERM/SIGINT stop it at once unless a command is handled."""
    stop = stop or threading.Event()
    agent = build_agent(settings, host)
    topology = Topology(settings.namespace, managed=settings.identities)
    connect = partial(open_connection, settings.broker_url, heartbeat=AGENT_HEARTBEAT)
    relay = OutboxRelay(agent.store, lambda: open_connection(settings.broker_url), topology,
                        host=host)
    relay_thread = relay.start(stop)
    worker = AgentWorker(None, topology, agent, relay.wake,
                         identities=Identities(settings.identities))
    keeper = _wal_keeper(agent)  # issue 14 (pg-more): WAL streams while the agent serves
    if keeper is not None:
        worker.idle_tasks.append(keeper.tick)
    activity = Activity()
    try:
        with interrupt_on_signals(stop, activity) if signals else contextlib.nullcontext():
            serve(worker, connect, stop, ready, activity)
    except Interrupted:
        log.info("agent for %s stopped by a signal", host)
    finally:
        stop.set()
        relay_thread.join(timeout=RELAY_GRACE)
        if agent.snapshots is not None:
            agent.snapshots.wait()


def _wal_keeper(agent):
    """Issue 14 (pg-more): the WAL keeper of a host with PostgreSQL clusters, else None."""
    if agent.ports.application("postgresql") is None:
        return None
    from services.agent.postgres.keeper import wal_keeper

    return wal_keeper(agent)


AGENT_HEARTBEAT = 30  # seconds; a broker that stays silent twice as long is taken for gone
RELAY_GRACE = 2.0  # seconds the relay may flush on the way out; the rest stays in the outbox


class _EmbeddedWorker(AgentWorker):
    """A worker whose progress lines go straight to ``agents.progress`` when it is set.

    In embedded mode the agent runs inside the caller's pump, so a progress reply published on
    ``memory://`` would only be read after the command ends; the direct sink shows it at once.
    """

    def __init__(self, agents: "EmbeddedAgents", *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._agents = agents

    def _reply(self, command, body) -> None:
        sink = self._agents.progress
        if sink is not None and isinstance(body, dict) and body.get("kind") == "progress":
            sink(str(body.get("text", "")))
            return
        super()._reply(command, body)


class EmbeddedAgents:
    """In-process agents over ``memory://``: the CLI's default when no broker is configured.

    ``progress``: while set (the CLI sets it for the duration of one call), the agents' progress
    lines are handed to it directly, as they come."""

    def __init__(self, settings: Settings, connection) -> None:
        self.settings = settings
        self.connection = connection
        self.topology = Topology(settings.namespace)
        self._workers: dict[str, tuple[object, OutboxRelay]] = {}
        self._stack = contextlib.ExitStack()
        self.progress: Callable[[str], None] | None = None
        self._wanted: set[str] = set()  # hosts another agent sent a command to (auto-import)
        self._agents: dict[str, HostAgent] = {}
        self.peers = PeerCommands(lambda: self.connection.clone(), self.topology,
                                  on_send=self._wanted.add)

    def ensure(self, host: str) -> None:
        if host in self._workers:
            return
        agent = build_agent(self.settings, host, peers=self.peers,
                            remote_scripts=EmbeddedRemoteScripts(self))
        self._agents[host] = agent
        worker = _EmbeddedWorker(self, self.connection, self.topology, agent,
                                 local_replies=self.topology.reply_prefix)
        relay = OutboxRelay(agent.store, lambda: self.connection.clone(), self.topology,
                            host=host)
        consuming_connection, _, _ = self._stack.enter_context(worker.Consumer())
        self._workers[host] = (consuming_connection, relay)

    def agent(self, host: str) -> HostAgent:
        return self._agents[host]

    def drain(self, host: str) -> None:
        """Handle the commands waiting for ``host``'s agent only (a remote script command
        waits for them: they were sent first)."""
        connection, relay = self._workers[host]
        while True:
            try:
                connection.drain_events(timeout=0)
            except (TimeoutError, OSError):
                break
        relay.publish_pending()

    def pump(self) -> None:
        """Handle every waiting command, then publish the outboxes; an agent that sent a
        command to another host's agent gets that agent started and pumped too."""
        while True:
            for host in sorted(self._wanted - set(self._workers)):
                self.ensure(host)
            self._wanted.clear()
            for connection, relay in list(self._workers.values()):
                while True:
                    try:
                        connection.drain_events(timeout=0)
                    except (TimeoutError, OSError):
                        break
                relay.publish_pending()
            if not self._wanted:
                return

    def close(self) -> None:
        self.peers.close()
        for _, relay in self._workers.values():
            relay.reset()
        self._stack.close()


@contextlib.contextmanager
def embedded_agents(settings: Settings) -> Iterator[EmbeddedAgents]:
    with open_connection(settings.broker_url) as connection:
        agents = EmbeddedAgents(settings, connection)
        try:
            yield agents
        finally:
            agents.close()
