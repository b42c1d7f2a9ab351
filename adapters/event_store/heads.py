"""Signed heads in the event store (ADR 0005): written with each append batch, checked by
``verify_signed`` against the trusted keys and, when given, the state an auditor holds.

What each check catches once the hash chain itself verifies (``verify.walk_chain``):
- a signed head whose event is gone, or whose hash is not the event's any more: events deleted
  or re-chained after they were signed;
- events after the last signed head: appended or inserted by someone without the host's key;
- the last head's signature (or every head's, with ``every_signature``): a forged head;
- the auditor's held head (the last one it verified) that the store no longer has, with that
  hash: a history cut short or rewritten, even back to an earlier, genuinely signed head.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from adapters.event_store.verify import VerifyResult
from events.signing import KeyRing, SignedHead, head_problem

def on_the_wire(batch: Sequence[Any], heads_of: Any) -> list[tuple[Any, dict | None]]:
    """Each event of ``batch`` (seq order per host) with the signed head that ends at it, as
    sent beside it on the bus; ``heads_of(host, first, last)`` gives a host's heads by seq."""
    ranges: dict[str, list[int]] = {}
    for event in batch:
        seqs = ranges.setdefault(event.host, [event.seq, event.seq])
        seqs[0], seqs[1] = min(seqs[0], event.seq), max(seqs[1], event.seq)
    found = {host: heads_of(host, first, last) for host, (first, last) in ranges.items()}
    return [(event, found[event.host].get(event.seq)) for event in batch]


def merged(in_events: Sequence[Sequence[Any]],
           in_stream: Sequence[Any] | None) -> list[Sequence[Any]]:
    """A host's signed heads in seq order: those kept on the last event of each signed batch
    (``in_events``) and the last one kept in its stream row (``in_stream``), which outlives the
    events it signed. The stream's head comes after an event's head at the same seq, so that it
    is the one checked as the last and sent on the bus; when both say the same, it is one."""
    found = list(in_events)
    if in_stream is None:
        return found
    if any(tuple(row[:6]) == tuple(in_stream[:6]) for row in found):
        return found
    found.append(in_stream)
    found.sort(key=lambda row: row[1])  # stable: the stream's head last at its seq
    return found


def head_of(row: Sequence[Any]) -> SignedHead:
    return SignedHead(*row[:6])


def unsigned_is_legacy(enrolled_at: str | None, last_occurred: str | None) -> bool:
    """Whether a history with no signed head at all is allowed: its host has no registered
    key, or its last event happened before the host's first key came into service (a history
    from before signing; the host's next append signs it whole, since a head seals the chain
    before it)."""
    return enrolled_at is None or last_occurred is None or last_occurred < enrolled_at


def verify_signed(chain: VerifyResult, rows: Sequence[Sequence[Any]], keys: KeyRing,
                  legacy: bool, held: SignedHead | None = None,
                  held_event_hash: str | None = None,
                  every_signature: bool = False) -> VerifyResult:
    """``chain`` (an intact chain walk) checked against the host's signed heads ``rows``
    (``statements`` ``heads`` order), the trusted ``keys`` and the auditor's ``held`` head, whose seq
    holds ``held_event_hash`` in the store now. ``legacy``: a history without any signed head
    is allowed (``unsigned_is_legacy``)."""
    if not chain.ok:
        return chain
    host, head_seq = chain.host, chain.head_seq

    def bad(seq: int, problem: str) -> VerifyResult:
        return replace(chain, first_bad_seq=seq, problem=problem)

    found = [head_of(row) for row in rows]
    for row, head in zip(rows, found):
        if row[6] is None:
            return bad(min(head.seq, head_seq + 1),
                       f"seq {head.seq} was signed but is no longer stored "
                       f"(the history was cut short or events removed)")
        if row[6] != head.hash:
            return bad(head.seq, f"seq {head.seq} is not the event that was signed "
                                 f"(edited and re-chained, or replaced)")
        if every_signature and (problem := head_problem(head, keys)):
            return bad(head.seq, f"signed head at seq {head.seq}: {problem}")
    last = found[-1] if found else None
    if held is not None:
        if held.seq > head_seq or held_event_hash is None:
            return bad(head_seq + 1, f"the history was cut short: the auditor verified seq "
                                     f"{held.seq}, the store ends at seq {head_seq}")
        if held_event_hash != held.hash:
            return bad(held.seq, f"seq {held.seq} is not the event the auditor verified "
                                 f"(the history was rewritten)")
    if last is None:
        if not legacy and head_seq:
            return bad(1, f"no signed head: seq 1..{head_seq} are not signed by host {host}")
        return chain
    if last.seq < head_seq:
        return bad(last.seq + 1, f"seq {last.seq + 1}..{head_seq} are not covered by a signed "
                                 f"head (appended without the host's key)")
    if problem := head_problem(last, keys):
        return bad(last.seq, f"signed head at seq {last.seq}: {problem}")
    return replace(chain, signed_seq=last.seq, last_head=last)
