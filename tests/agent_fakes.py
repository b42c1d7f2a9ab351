"""In-memory fakes of the agent's ports (``services.agent.ports``): same Protocols as the real
adapters, fixed or recorded answers."""
from __future__ import annotations


class FixedHostFacts:
    """Fake of ``HostFactsPort``: fixed answers."""

    def describe(self):
        return {"node": "node-1", "os": "TestOS", "agent_version": "9.9"}


class RecordingPeers:
    """Fake of ``PeersPort``: keeps what it is asked to send (the bus is tested elsewhere)."""

    def __init__(self, present: bool = True) -> None:
        self.sent, self.present = [], present

    def send(self, peer) -> bool:
        self.sent.append(peer)
        return self.present


class RecordingRepublisher:
    """Fake of ``RepublisherPort``: keeps the events it is asked to publish."""

    def __init__(self) -> None:
        self.published: list = []

    def publish(self, events) -> int:
        batch = list(events)
        self.published.extend(batch)
        return len(batch)
