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

from adapters.event_store.tables import events, heads
from adapters.event_store.verify import VerifyResult
from events.signing import KeyRing, SignedHead, head_problem

HEAD_KEYS = ("host", "seq", "hash", "signed_at", "key_id", "signature")


def insert_sql(postgres: bool) -> str:
    marks = ", ".join(f"%({k})s" if postgres else f":{k}" for k in HEAD_KEYS)
    return f"INSERT INTO {heads.name} ({', '.join(HEAD_KEYS)}) VALUES ({marks})"


def select_sql(postgres: bool) -> str:
    """Heads of one host with the hash of the event at their seq (NULL when it is gone)."""
    mark = "%(host)s" if postgres else ":host"
    columns = ", ".join(f"h.{key}" for key in HEAD_KEYS)
    return (f"SELECT {columns}, e.hash FROM {heads.name} h LEFT JOIN {events.name} e "
            f"ON e.host = h.host AND e.seq = h.seq WHERE h.host = {mark} "
            f"AND h.seq > {'%(after)s' if postgres else ':after'} ORDER BY h.seq")


def head_of(row: Sequence[Any]) -> SignedHead:
    return SignedHead(*row[:6])


def verify_signed(chain: VerifyResult, rows: Sequence[Sequence[Any]], keys: KeyRing,
                  enrolled: bool, held: SignedHead | None = None,
                  held_event_hash: str | None = None,
                  every_signature: bool = False) -> VerifyResult:
    """``chain`` (an intact chain walk) checked against the host's signed heads ``rows``
    (``select_sql`` order), the trusted ``keys`` and the auditor's ``held`` head, whose seq
    holds ``held_event_hash`` in the store now. ``enrolled``: the host has a registered key, so
    an unsigned history is a problem rather than a history from before signing."""
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
        if enrolled and head_seq:
            return bad(1, f"no signed head: seq 1..{head_seq} are not signed by host {host}")
        return chain
    if last.seq < head_seq:
        return bad(last.seq + 1, f"seq {last.seq + 1}..{head_seq} are not covered by a signed "
                                 f"head (appended without the host's key)")
    if problem := head_problem(last, keys):
        return bad(last.seq, f"signed head at seq {last.seq}: {problem}")
    return replace(chain, signed_seq=last.seq, last_head=last)
