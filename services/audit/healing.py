"""Healing in the running consumer: when late events may have closed a host's gap, check its
whole stored history and, if it is whole and verifies, put its refolded views in place.

``Healer.heal`` changes both the store (``HealStore.commit_heal``, one transaction) and the
consumer's ``Ingestor`` (the host's view, the rows it believes written, its chain's untrusted
mark), so it must run when no batch is in flight: the consumer calls it between batches, after
the batches before have committed. A heal that cannot be made (a seq still missing, an edited
event, a fold error) changes nothing; the host stays untrusted.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from adapters.reporting.heal_store import HealStore
from adapters.reporting.store import ReportingStore
from projections.reporting.heal import Healed, heal
from projections.reporting.ingest import BatchChanges, Ingestor

log = logging.getLogger(__name__)


class Healer:
    def __init__(self, store: ReportingStore,
                 on_heal: Callable[[tuple], None] | None = None) -> None:
        self.store = HealStore(store)
        self.on_heal = on_heal or (lambda alert: None)
        self.healed = 0

    @staticmethod
    def candidates(changes: BatchChanges, ingestor: Ingestor) -> list[str]:
        """Untrusted hosts that received late events in ``changes``."""
        hosts = {alert[0] for alert in changes.alerts if alert[2] == "late-event"}
        return sorted(h for h in hosts if ingestor.chains[h].untrusted_from is not None)

    @staticmethod
    def untrusted(ingestor: Ingestor) -> list[str]:
        return sorted(h for h, c in ingestor.chains.items() if c.untrusted_from is not None)

    def heal(self, ingestor: Ingestor, hosts: Iterable[str]) -> list[str]:
        """Heal what can be healed of ``hosts``; return the hosts healed."""
        done = []
        for host in hosts:
            chain = ingestor.chains[host]
            if chain.untrusted_from is None or not self.store.complete(host, chain.last_seq):
                continue
            result = heal(chain, self.store.history(host))
            if not isinstance(result, Healed):
                log.info("report: %s keeps untrusted views: %s", host, result)
                continue
            self.store.commit_heal(host, result.rows, result.alert)
            ingestor.replace_view(result.view)
            chain.untrusted_from = chain.untrusted_reason = None
            self.healed += 1
            done.append(host)
            self.on_heal(result.alert)
        return done
