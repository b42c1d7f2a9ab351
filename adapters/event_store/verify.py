"""Walking a host's hash chain: the first seq that was edited, removed or inserted."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from events.canonical import GENESIS_HASH
from events.signing import SignedHead


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of walking one host's chain. ``first_bad_seq`` is None when the chain is intact;
    ``signed_seq``/``last_head``: the last signed head that verified (``heads.verify_signed``)."""

    host: str
    checked: int
    head_seq: int
    first_bad_seq: int | None = None
    problem: str | None = None
    signed_seq: int | None = None
    last_head: SignedHead | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def walk_chain(host: str, rows: Iterable[Sequence[Any]], head_seq: int, head_hash: str,
               to_envelope) -> VerifyResult:
    """Check rows (``SELECT_LIST`` order, by seq) against each other and the recorded head."""
    expected_seq, previous_hash, checked = 1, GENESIS_HASH, 0
    for row in rows:
        problem = _check_row(row, expected_seq, previous_hash, to_envelope)
        if problem:
            return VerifyResult(host, checked, head_seq, *problem)
        checked += 1
        expected_seq, previous_hash = row[3] + 1, row[13]
    last_seq = expected_seq - 1
    if last_seq < head_seq:
        return VerifyResult(host, checked, head_seq, expected_seq,
                            f"seq {expected_seq}..{head_seq} removed (the head says {head_seq})")
    if last_seq > head_seq or (checked and previous_hash != head_hash):
        return VerifyResult(host, checked, head_seq, min(last_seq, head_seq + 1),
                            "events after the recorded head, or the head was altered")
    return VerifyResult(host, checked, head_seq)


def _check_row(row, expected_seq: int, previous_hash: str, to_envelope):
    seq = row[3]
    if seq != expected_seq:
        return expected_seq, f"seq {expected_seq} removed (next stored seq is {seq})"
    try:
        actual = to_envelope(row).expected_hash()
    except (ValueError, TypeError) as error:
        return seq, f"unreadable: {error}"
    if row[12] != previous_hash:
        return seq, "prev_hash does not link to the previous event (inserted or re-chained)"
    if actual != row[13]:
        return seq, "content does not match its hash (edited)"
    return None


def compare_with_log(result: VerifyResult, stored_hashes: Sequence[str],
                     logged: Iterable[tuple[int, str]]) -> VerifyResult:
    """``result`` (an intact store) checked against what the host published to the shared log:
    ``logged`` ``(seq, hash)`` pairs; ``stored_hashes[n - 1]`` is the stored hash of seq n."""
    from dataclasses import replace

    for seq, hash_ in logged:
        if seq > len(stored_hashes):
            return replace(result, first_bad_seq=len(stored_hashes) + 1,
                           problem=f"the history was cut short: the shared log holds seq "
                                   f"{seq}, the store ends at seq {len(stored_hashes)}")
        if stored_hashes[seq - 1] != hash_:
            return replace(result, first_bad_seq=seq,
                           problem=f"seq {seq} differs from the event published to the shared "
                                   f"log (the history was rewritten)")
    return result
