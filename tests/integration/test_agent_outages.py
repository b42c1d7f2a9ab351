"""The agent through broker outages (a TCP proxy cut for ~8 s while it works) and SIGTERM in
every state, mid-handshake included (a proxy that accepts and never forwards)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from adapters.messaging.command_client import CommandClient
from adapters.messaging.connection import open_connection
from events import CommandEnvelope
from events.host_commands import HostInfo
from services.agent.bootstrap import open_store, run_agent
from services.settings import load_settings
from tests.e2e.conftest import clean_env

pytestmark = pytest.mark.amqp
OUTAGE = 8.0  # seconds the broker is away
TRIALS = int(os.environ.get("DRM_OUTAGE_TRIALS", "2"))  # more for a longer run
BURST = 150  # commands per trial: the agent handles them for longer than the cut takes


def a_host_info(host: str) -> CommandEnvelope:
    return CommandEnvelope(command=HostInfo(), target_host=host, principal="tester@lab",
                           issued_at=datetime.now(timezone.utc))


def settings_for(url: str, broker, tmp_path):
    return load_settings({"DRM_BROKER_URL": url, "DRM_DATA_DIR": str(tmp_path),
                          "DRM_NAMESPACE": broker.topology.namespace})


def test_the_agent_outlives_outages_and_answers_every_command_once(broker, broker_proxy,
                                                                  tmp_path):
    """Per trial: ``BURST`` commands queued, the broker cut after the first answer (the agent
    is mid-burst) for ``OUTAGE`` seconds, restored. Every command is answered, each recorded once,
    the agent thread never dies, and its events all reach the broker."""
    proxy, url = broker_proxy
    host = broker.host()
    settings = settings_for(url, broker, tmp_path)
    stop, ready = threading.Event(), threading.Event()
    agent = threading.Thread(target=run_agent, args=(settings, host, stop, ready), daemon=True)
    agent.start()
    assert ready.wait(20)
    sent = []
    with open_connection(broker.url) as connection:  # the client's path is never cut
        client = CommandClient(connection, broker.topology)
        for _ in range(TRIALS):
            commands = [client.send(a_host_info(host)) for _ in range(BURST)]
            client.wait(commands[0].command_id, host, timeout=20)
            proxy.stop()
            time.sleep(OUTAGE)
            assert agent.is_alive()
            proxy.start()
            for command in commands[1:]:
                outcome = client.wait(command.command_id, host, timeout=60)
                assert outcome.command_id == command.command_id
            sent += commands
        client.close()
    store = open_store(settings, host)
    deadline = time.monotonic() + 30
    while store.pending(host=host) and time.monotonic() < deadline:
        time.sleep(0.2)  # the relay catches up after the outage
    stop.set()
    agent.join(20)
    assert not agent.is_alive()
    per_command = Counter(event.command_id for event in store.read(host))
    assert per_command == Counter({command.command_id: 1 for command in sent})
    assert store.pending(host=host) == [] and store.verify(host).ok


@pytest.mark.parametrize("state", ["mid-handshake", "reconnecting"])
def test_sigterm_stops_the_agent_promptly(broker, broker_proxy, tmp_path, state):
    """``drm agent`` against a broker that accepts and never answers (mid-handshake), or that
    is gone (reconnecting with back-off): SIGTERM ends it within 3 s, exit code 0."""
    proxy, url = broker_proxy
    if state == "mid-handshake":
        proxy.hold = True
    else:
        proxy.stop()
    env = clean_env(DRM_BROKER_URL=url, DRM_DATA_DIR=str(tmp_path),
                    DRM_NAMESPACE=broker.topology.namespace)
    agent = subprocess.Popen([str(Path(sys.executable).parent / "drm"), "agent", "--host",
                              broker.host()], env=env, text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    time.sleep(4.0)  # started, migrated, and in the state under test
    assert agent.poll() is None
    sent = time.monotonic()
    agent.send_signal(signal.SIGTERM)
    try:
        code = agent.wait(30)
    finally:
        agent.kill()
        output = agent.stdout.read()
    assert code == 0, output
    assert time.monotonic() - sent < 3.0, output
