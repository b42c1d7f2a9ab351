"""The agent's ports: the simulated adapters and the tests' fakes honour the same Protocols,
and ``AgentPorts`` refuses an object that does not."""
from __future__ import annotations

import pytest

from adapters.host_facts import LocalHostFacts
from adapters.lab.example import write_example
from adapters.lab.loader import load_lab
from adapters.messaging.republish import EventRepublisher
from adapters.messaging.topology import Topology
from adapters.storage.simulated_array import SimulatedStorage
from adapters.tape import SimulatedTapeLibrary
from services.agent.ports import (AgentPorts, HostFactsPort, LabPort, PeersPort, RepublisherPort,
                                  StoragePort, TapePort)
from services.agent.transfer.peers import PeerCommands
from tests.agent_fakes import FixedHostFacts, RecordingPeers, RecordingRepublisher


def never_connect():
    raise AssertionError("no connection is made by building an adapter")


def test_the_simulated_adapters_honour_the_ports(tmp_path):
    lab = load_lab(write_example(tmp_path / "lab.toml"))
    assert isinstance(SimulatedStorage(tmp_path / "arrays"), StoragePort)
    assert isinstance(SimulatedTapeLibrary(tmp_path / "tape"), TapePort)
    assert isinstance(PeerCommands(never_connect, Topology("t")), PeersPort)
    assert isinstance(EventRepublisher(never_connect, Topology("t")), RepublisherPort)
    assert isinstance(LocalHostFacts(), HostFactsPort)
    assert isinstance(lab, LabPort)
    AgentPorts(storage=SimulatedStorage(tmp_path / "arrays"), lab=lab,
               tape=SimulatedTapeLibrary(tmp_path / "tape"), host_facts=LocalHostFacts())


def test_the_fakes_honour_the_same_ports():
    assert isinstance(FixedHostFacts(), HostFactsPort)
    assert isinstance(RecordingPeers(), PeersPort)
    assert isinstance(RecordingRepublisher(), RepublisherPort)
    AgentPorts(peers=RecordingPeers(), republisher=RecordingRepublisher(),
               host_facts=FixedHostFacts())


def test_an_object_missing_a_port_method_is_refused_at_construction():
    with pytest.raises(TypeError, match="storage port needs a StoragePort"):
        AgentPorts(storage=RecordingPeers())
    with pytest.raises(TypeError, match="peers port"):
        AgentPorts(peers=FixedHostFacts())


def test_ports_are_frozen():
    ports = AgentPorts()
    with pytest.raises(AttributeError):
        ports.storage = None  # type: ignore[misc]
