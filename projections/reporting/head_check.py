"""The reporting consumer's check of signed heads (ADR 0005), pure: no I/O.

The last event of each append batch arrives with the batch's signed head beside it. The head
must be the event's (same host, seq and hash) and carry a valid signature of a trusted key of
the host, in service when it signed. A bad head is an integrity alert ``bad-signature`` and
distrusts the host's views from that seq; a good one becomes the host's last verified head,
the auditor's client-held state (``report_heads``), which ``drm audit verify`` compares the
hosts' stores with. A history past the last verified head is unsigned: ``drm audit verify``
names it (the consumer cannot tell a batch still arriving from one that will never be signed).
"""
from __future__ import annotations

from typing import Any

from events.signing import KeyRing, SignedHead, head_problem

BAD_SIGNATURE = "bad-signature"


class HeadCheck:
    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    def problem(self, event: dict[str, Any], sent: Any) -> tuple[SignedHead | None, str | None]:
        """The verified head sent with ``event`` (its validated fields), or what is wrong."""
        try:
            head = SignedHead.from_wire(sent)
        except ValueError as error:
            return None, str(error)
        if (head.host, head.seq, head.hash) != (event["host"], event["seq"], event["hash"]):
            return None, "the signed head sent with it is not this event's"
        problem = head_problem(head, self.keys)
        return (None, problem) if problem else (head, None)

    def check(self, event: dict[str, Any], sent: Any, chain: Any, changes: Any,
              offset: int | None) -> None:
        """Record the head in ``changes.heads``, or alert and distrust ``chain`` from it."""
        head, problem = self.problem(event, sent)
        if head is not None:
            changes.heads[head.host] = head
            return
        host, seq = event["host"], event["seq"]
        changes.alerts.append((host, seq, BAD_SIGNATURE,
                               f"seq {seq}: {problem}; the host's history is not vouched for",
                               offset))
        chain.distrust(seq, "bad signature")
