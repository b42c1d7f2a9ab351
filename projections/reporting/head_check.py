"""The reporting consumer's check of signed heads (ADR 0005), pure: no I/O.

The last event of each append batch arrives with the batch's signed head beside it. A head
must be the event's (same host, seq and hash: checked for every head) and carry a valid
signature of a trusted key of the host, in service when it signed. Since an event's hash seals
the chain before it, one valid head vouches for everything before it on an unbroken chain, so
the signatures are checked per host and consumer batch from the last head backwards until one
verifies (an Ed25519 verification costs more than checking and folding a few events): every
head after the last valid one is checked and alerted, heads before it are implied.

A bad head is an integrity alert ``bad-signature`` and distrusts the host's views from its seq;
the last valid one becomes the host's last verified head, the auditor's client-held state
(``report_heads``), which ``drm audit verify`` compares the hosts' stores with. A history past
the last verified head is unsigned: ``drm audit verify`` names it (the consumer cannot tell a
batch still arriving from one that will never be signed).
"""
from __future__ import annotations

from typing import Any, Mapping

from events.signing import KeyRing, SignedHead, head_problem

BAD_SIGNATURE = "bad-signature"


class HeadCheck:
    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys
        self.pending: dict[str, list[tuple[SignedHead, int | None]]] = {}

    def check(self, event: dict[str, Any], sent: Any, chain: Any, changes: Any,
              offset: int | None) -> None:
        """Take the head ``sent`` with ``event`` (its validated fields): alert now when it is
        not the event's, else keep it for ``finish``."""
        try:
            head = SignedHead.from_wire(sent)
        except ValueError as error:
            return self._alert(event["host"], event["seq"], str(error), chain, changes, offset)
        if (head.host, head.seq, head.hash) != (event["host"], event["seq"], event["hash"]):
            return self._alert(event["host"], event["seq"],
                               "the signed head sent with it is not this event's", chain,
                               changes, offset)
        self.pending.setdefault(head.host, []).append((head, offset))

    def finish(self, changes: Any, chains: Mapping[str, Any]) -> None:
        """At the end of a batch: per host, the last head whose signature verifies goes to
        ``changes.heads``; each head after it is alerted."""
        for host, kept in self.pending.items():
            for head, offset in reversed(kept):
                problem = head_problem(head, self.keys)
                if problem is None:
                    changes.heads[host] = head
                    break
                self._alert(host, head.seq, problem, chains[host], changes, offset)
        self.pending = {}

    @staticmethod
    def _alert(host: str, seq: int, problem: str, chain: Any, changes: Any,
               offset: int | None) -> None:
        changes.alerts.append((host, seq, BAD_SIGNATURE,
                               f"seq {seq}: {problem}; the host's history is not vouched for",
                               offset))
        chain.distrust(seq, "bad signature")
