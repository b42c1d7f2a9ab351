"""WAL reaches the log backup area while no command runs (issue 14, pg-more): the serving
agent's keeper starts ``pg_receivewal``, records each finished segment as an event through
its own command, starts it again when it is killed, and a new agent adopts the one a dead
agent left streaming. Skipped (reason shown) where the PostgreSQL binaries are absent."""
from __future__ import annotations

import os
import signal
import threading
import time

import psycopg
import pytest

from services.agent.bootstrap import build_agent, run_agent
from services.agent.postgres.keeper import WalKeeper
from services.settings import load_settings
from tests.fs_lab import command
from tests.pg_lab import CLUSTER, HOST, cluster_agent, needs_postgres

pytestmark = needs_postgres()


@pytest.fixture
def lab():
    later = []

    def close_later():
        for other in later:
            other.close()

    with cluster_agent(after=close_later) as (agent, app, spec, settings):
        yield agent, app, spec, settings, later


def switch(spec) -> str:
    """Write a little and close the segment, outside any command; the closed segment's name."""
    with psycopg.connect(spec.conninfo(), autocommit=True) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS t (n int)")
        connection.execute("INSERT INTO t SELECT generate_series(1, 1000)")
        return connection.execute(
            "SELECT pg_walfile_name(s - 1) FROM pg_switch_wal() AS s").fetchone()[0]


def recorded_until(keeper: WalKeeper, name: str, timeout: float = 20) -> set[str]:
    deadline = time.monotonic() + timeout
    while True:
        keeper.tick()
        known = set(keeper.agent.view.postgres.wal.get(CLUSTER, {}))
        if name in known or time.monotonic() > deadline:
            return known
        time.sleep(0.1)


def test_segments_arrive_as_events_without_a_command_and_a_killed_receiver_comes_back(lab):
    agent, app, spec, settings, later = lab
    done = agent.handle(command("ConfigurePgCluster", host=HOST, cluster=CLUSTER))
    assert done.type == "CommandCompleted", done.payload
    keeper = WalKeeper(agent, every=0)
    keeper.tick()  # agent start: the receiver is started
    receiver = app.receiver(CLUSTER)
    assert receiver.running() and keeper.restarts == 1

    first = switch(spec)
    assert first in recorded_until(keeper, first)
    event = agent.view.postgres.wal[CLUSTER][first]
    assert event.kind == "segment" and event.size == spec.segment_size and len(event.sha256) == 64
    assert event.timeline == 1
    issued = [e for e in agent.store.read(HOST) if e.type == "CommandCompleted"
              and e.payload.get("command") == "CollectPgWal"]
    assert issued and first in issued[-1].payload["result"]["files"]
    quiet = len(agent.store.read(HOST))
    keeper.tick()  # nothing new: no command, no event
    assert len(agent.store.read(HOST)) == quiet

    os.kill(receiver.process.pid, signal.SIGKILL)  # it dies: the next turn starts it again
    receiver.process.wait()
    second = switch(spec)
    assert second in recorded_until(keeper, second)
    assert keeper.restarts == 2 and receiver.running()

    # the agent dies (its receiver goes on streaming); a new agent adopts it, starts none
    again = build_agent(settings, HOST)
    later.append(again.ports.application("postgresql"))
    adopter = WalKeeper(again, every=0)
    adopter.tick()
    adopted = again.ports.application("postgresql").receiver(CLUSTER)
    assert adopted.adopted and adopted.process is None  # the running one, none started
    third = switch(spec)
    assert third in recorded_until(adopter, third)


@pytest.mark.amqp
def test_a_serving_agent_records_wal_while_no_command_runs(lab, broker):
    """``run_agent`` over RabbitMQ, no command sent: a segment closed by the server appears in
    the host's stream as ``PgWalArchived`` (through the agent's own ``CollectPgWal``)."""
    agent, app, spec, settings, later = lab
    done = agent.handle(command("ConfigurePgCluster", host=HOST, cluster=CLUSTER))
    assert done.type == "CommandCompleted", done.payload
    serving = load_settings(environ={"DRM_BROKER_URL": broker.url,
                                     "DRM_NAMESPACE": broker.topology.namespace},
                            data_dir=settings.data_dir, hostname=HOST)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=run_agent, args=(serving, HOST, stop, ready), daemon=True)
    thread.start()
    try:
        assert ready.wait(30)
        deadline = time.monotonic() + 30
        while not app.receiver(CLUSTER).left_behind() and time.monotonic() < deadline:
            time.sleep(0.1)  # the serving agent started pg_receivewal at its first idle turn
        name = switch(spec)
        while time.monotonic() < deadline:
            if name in agent.catch_up().postgres.wal.get(CLUSTER, {}):
                break
            time.sleep(0.2)
        assert name in agent.view.postgres.wal[CLUSTER]
    finally:
        stop.set()
        thread.join(20)
        receiver = app.receiver(CLUSTER)  # it goes on streaming after the agent: stop it here
        receiver.adopted = receiver.left_behind()
        receiver.stop()
