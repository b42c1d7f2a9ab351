"""What ``drm audit verify`` adds for signed history (ADR 0005), from the auditor's held state:
the last signed head the consumer verified per host (``report_heads``).

- In the reporting store: the held head must carry a valid signature and still match the
  stored event at its seq; events past it are unsigned (a problem for a host with a
  registered key).
- In every host store this machine can reach (the embedded mode's local stores, or the one
  configured store): the chain and signed heads must verify, and the store must still hold
  the held head. A store rewritten, re-chained or cut short after the auditor saw it is caught
  even when every hash in it checks out.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

from events.signing import KeyRing, SignedHead, head_problem
from projections.reporting.ingest import HostChain

HashAt = Callable[[str, int], "str | None"]


def reporting_problems(chain: HostChain, held: SignedHead | None, keys: KeyRing,
                       legacy: bool, hash_at: HashAt) -> list[str]:
    """Problems of ``chain.host``'s signed history in the reporting store; ``legacy``: a
    history without any signed head is allowed (``heads.unsigned_is_legacy``)."""
    last = chain.last_seq
    if held is None:
        return [] if legacy or not last else [f"seq 1..{last} are not covered by a signed head"]
    problems = []
    if problem := head_problem(held, keys):
        problems.append(f"the last verified head (seq {held.seq}): {problem}")
    if hash_at(chain.host, held.seq) != held.hash:
        problems.append(f"seq {held.seq} in the reporting store is not the event that was "
                        f"signed")
    if held.seq < last:
        problems.append(f"seq {held.seq + 1}..{last} are not covered by a signed head")
    return problems


def store_problems(stores: Iterable[tuple[str, object]], held: dict[str, SignedHead],
                   keys: KeyRing, enrolled_at: Callable[[str], "str | None"],
                   wanted: Callable[[str], bool]) -> Iterator[tuple[str, str]]:
    """``(host, problem)`` for each reachable host store whose history does not verify
    against its signed heads and the head the auditor holds for it."""
    for host, store in stores:
        if not wanted(host):
            continue
        result = store.verify(host, keys, enrolled_at(host), held.get(host))
        if not result.ok:
            yield host, (f"its own store: seq {result.first_bad_seq}: {result.problem}")
