"""Per-host sequence tracking for consumers of events: drop duplicates, report gaps."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    APPLY = "apply"
    DUPLICATE = "duplicate"
    GAP = "gap"


@dataclass
class SequenceGuard:
    """Remembers the last applied seq of each host.

    ``check(host, seq)``: ``APPLY`` when ``seq`` is the next one, ``DUPLICATE`` when it was
    already applied, ``GAP`` when events are missing before it (``missing(host, seq)`` names
    them). Only ``applied`` moves the position, so a caller decides what a gap means.
    """

    last: dict[str, int] = field(default_factory=dict)

    def check(self, host: str, seq: int) -> Verdict:
        last = self.last.get(host, 0)
        if seq <= last:
            return Verdict.DUPLICATE
        if seq == last + 1:
            return Verdict.APPLY
        return Verdict.GAP

    def missing(self, host: str, seq: int) -> range:
        return range(self.last.get(host, 0) + 1, seq)

    def applied(self, host: str, seq: int) -> None:
        self.last[host] = max(seq, self.last.get(host, 0))
