"""Asking a host's agent to publish a missing range again (ADR 0001, DESIGN §3).

``GapRequests.on_batch`` is called after a batch committed; for each host the batch reported a
``gap`` for, a background thread reads the host's missing ranges from the reporting store
(``HealStore.missing_ranges``: the truth after the commit, whatever the alert's wording) and
sends ``RepublishEvents{from_seq, to_seq}`` to ``<p>.agent.<host>`` for each range not asked
for yet. Guarantees:

- fire-and-forget: the consumer never waits for the request, the broker or the agent; a request
  that cannot be sent is logged and forgotten (a later gap alert of the host, or the next start
  of ``drm report serve`` through ``ask_open``, asks again);
- one request per missing range: a range sent once is not sent again by this process, however
  many alerts name it. A range that the re-published events fill only in part leaves a smaller
  range behind, which is a new request.
"""
from __future__ import annotations

import logging
import queue
import threading
from datetime import datetime, timezone
from typing import Callable, Iterable

from events import CommandEnvelope
from events.republish import RepublishEvents

log = logging.getLogger(__name__)

MissingRanges = Callable[[str], list[tuple[int, int]]]
Send = Callable[[CommandEnvelope], object]


def republish_request(host: str, from_seq: int, to_seq: int, principal: str) -> CommandEnvelope:
    return CommandEnvelope(command=RepublishEvents(from_seq=from_seq, to_seq=to_seq),
                           target_host=host, principal=principal,
                           issued_at=datetime.now(timezone.utc))


class GapRequests:
    def __init__(self, missing: MissingRanges, send: Send, principal: str) -> None:
        self.missing, self.send, self.principal = missing, send, principal
        self.sent: set[tuple[str, int, int]] = set()
        self._hosts: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="gap-requests", daemon=True)
        self._thread.start()

    def on_batch(self, changes) -> None:
        """Hand the hosts with a ``gap`` alert in ``changes`` to the sender thread."""
        hosts = {alert[0] for alert in changes.alerts if alert[2] == "gap" and alert[0]}
        if hosts:
            self._hosts.put(sorted(hosts))

    def ask_open(self, hosts: Iterable[str]) -> None:
        """Ask for whatever ``hosts`` still miss (a consumer that starts again)."""
        self._hosts.put(sorted(hosts))

    def _run(self) -> None:
        while (hosts := self._hosts.get()) is not None:
            for host in hosts:
                try:
                    self._ask(host)
                except Exception as error:  # noqa: BLE001 - never the consumer's problem
                    log.warning("report: could not ask %s to publish its missing events "
                                "again: %s", host, error)
            self._hosts.task_done()
        self._hosts.task_done()

    def wait_idle(self) -> None:
        """Return once the hosts handed over so far were handled (sent or given up)."""
        self._hosts.join()

    def _ask(self, host: str) -> None:
        for from_seq, to_seq in self.missing(host):
            key = (host, from_seq, to_seq)
            if key in self.sent:
                continue
            self.send(republish_request(host, from_seq, to_seq, self.principal))
            self.sent.add(key)
            log.info("report: asked %s to publish seq %d..%d again", host, from_seq, to_seq)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the sender thread once the hosts handed over so far were handled."""
        self._hosts.put(None)
        self._thread.join(timeout)
