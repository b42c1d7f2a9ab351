"""CCI pair commands as console commands over RabbitMQ, FSServer's and BKServer's agents each
in its own process (sharing the lab's arrays, as two hosts share a SAN): a change made from
one host is seen by the other and recorded there as observed; the remote-site swap works
from the commands the manual types."""
from __future__ import annotations

import json
import signal

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.test_distributed_cli import wait_for_output

pytestmark = pytest.mark.amqp
FS, BK = "FSServer", "BKServer"


@pytest.fixture
def cli(broker, tmp_path):
    for host in (FS, BK):
        broker.host(host)
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_BROKER_URL=broker.url,
                        DRM_NAMESPACE=broker.topology.namespace, DRM_HOSTNAME=FS))
    cli.run("lab", "init", "--example", check=True)
    agents = [cli.start("agent", "--host", host) for host in (FS, BK)]
    for agent in agents:
        wait_for_output(agent, "Connected to")
    yield cli
    for agent in agents:
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0


def cci(cli: Cli, program: str, *args: str, host: str = FS) -> tuple[int, str]:
    done = cli.run(*args, "--host", host, program=program)
    return done.returncode, done.stdout + done.stderr


def events(cli: Cli, host: str) -> list[dict]:
    out = cli.run("log", "--host", host, "--json", check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_a_change_from_the_other_host_is_observed_and_the_swap_runs(cli):
    assert cci(cli, "pairsplit", "-g", "TC01", "-d", "VOL01")[0] == 0
    assert cci(cli, "pairresync", "-g", "TC01", host=BK)[0] == 0  # behind FSServer's back
    assert cci(cli, "pairevtwait", "-g", "TC01", "-s", "pair", "-t", "60", host=BK)[0] == 0
    code, shown = cci(cli, "pairdisplay", "-g", "TC01")
    assert code == 0 and shown.splitlines()[1].endswith("*")  # FSServer last knew PSUS
    assert cci(cli, "pairsplit", "-g", "TC01", "-S", host=BK)[0] == 0
    assert cci(cli, "pairevtwait", "-g", "TC01", "-nowait")[0] == 1  # SMPL, observed
    observed = [e["payload"] for e in events(cli, FS) if e["type"] == "PairStatusObserved"]
    assert [(o["previous"], o["status"]) for o in observed] == [("PSUS", "SMPL")]
    assert cci(cli, "paircreate", "-g", "TC01", "-d", "VOL01", "-vl", "-f", "never",
               host=BK)[0] == 0
    assert cci(cli, "pairevtwait", "-g", "TC01", "-s", "pair", "-t", "60", host=BK)[0] == 0
    code, shown = cci(cli, "pairdisplay", "-g", "TC01", host=BK)
    assert "410002   512.P-VOL PAIR" in shown.splitlines()[1]
    assert cci(cli, "pairresync", "-g", "TC01", "-d", "VOL01", "-swaps")[0] == 0
    assert cci(cli, "pairevtwait", "-g", "TC01", "-s", "pair", "-t", "60")[0] == 0
    code, shown = cci(cli, "pairdisplay", "-g", "TC01")
    assert "410001   256.P-VOL PAIR" in shown.splitlines()[1]
    kinds = [e["type"] for e in events(cli, BK)]
    assert {"PairResyncRequested", "PairDeleteRequested", "PairDeleted", "PairCreateRequested",
            "PairCreated", "PairWaitEnded"} <= set(kinds)
