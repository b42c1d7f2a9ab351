"""Healing a host whose views were untrusted because events were missing (pure, no I/O).

A gap distrusts a host's views (``ingest``): the events after it were folded onto a view that
lacked the missing ones. When the missing events arrive later (the agent published them again,
``events.republish``) they are stored as *late* events, not folded. ``heal`` then decides, from
the host's whole stored history in seq order, whether the views can be trusted again:

- every seq ``1..last`` is there, each ``prev_hash`` links to the previous ``hash``, each hash
  matches its event's content, and the history ends at the chain state the consumer holds;
- the history folds from seq 1 without a fold error.

If so it returns the refolded view, its rows, and a ``gap-filled`` alert (a note: the history of
what happened stays visible, and ``resolved`` tells ``drm audit verify`` which earlier alerts the
heal answered). If not, it returns why, and the host stays untrusted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from events.canonical import GENESIS_HASH
from events.envelope import EventEnvelope
from projections.host_view import HostView
from projections.reporting.folding import fold_event
from projections.reporting.ingest import HostChain
from projections.reporting.view_rows import Rows, view_rows

GAP_FILLED = "gap-filled"
RESOLVED_BY_HEAL = frozenset({"gap", "late-event", "fold-error"})
"""Alerts a later heal of the same host answers: a heal needs every event present, the chain
intact and the whole history foldable, so the gaps, the late events that filled them and the
fold errors they caused are over. Edits, conflicting duplicates and broken links are not."""


@dataclass(frozen=True)
class Healed:
    view: HostView
    rows: Rows
    alert: tuple  # host, seq, kind, detail, offset (as ``BatchChanges.alerts``)


def heal(chain: HostChain, history: Iterable[EventEnvelope]) -> Healed | str:
    """The healed view of ``chain.host`` from its stored ``history`` (seq order), or why not."""
    view = HostView(chain.host)
    expected, previous = 1, GENESIS_HASH
    for event in history:
        if event.seq != expected:
            return f"seq {expected}..{event.seq - 1} still missing"
        if event.prev_hash != previous:
            return f"seq {event.seq}: prev_hash does not link to seq {event.seq - 1}"
        if event.expected_hash() != event.hash:
            return f"seq {event.seq}: content does not match its hash"
        failure = fold_event(view, event.seq, event.type, event.version, event.payload)
        if failure:
            return f"seq {event.seq} cannot be folded: {failure}"
        expected, previous = event.seq + 1, event.hash
    if expected - 1 != chain.last_seq or previous != chain.last_hash:
        return f"the stored history ends at seq {expected - 1}, the chain at seq {chain.last_seq}"
    # No seq past the gap in the text: where a heal lands depends on batching, its note must not
    detail = (f"the missing events arrived again: every seq is present and the chain verifies; "
              f"views refolded from the stored events (they were untrusted from seq "
              f"{chain.untrusted_from}: {chain.untrusted_reason})")
    return Healed(view, view_rows(view), (chain.host, chain.untrusted_from, GAP_FILLED, detail,
                                          None))


def resolved(alerts: Iterable[dict[str, Any]]) -> set[Any]:
    """The ids of ``alerts`` (rows with ``id``, ``host``, ``kind``) that a later ``gap-filled``
    alert of the same host answered."""
    alerts = list(alerts)
    last_heal: dict[str, Any] = {}
    for alert in alerts:
        if alert["kind"] == GAP_FILLED:
            last_heal[alert["host"]] = max(alert["id"], last_heal.get(alert["host"], alert["id"]))
    return {a["id"] for a in alerts if a["kind"] in RESOLVED_BY_HEAL
            and a["host"] in last_heal and a["id"] < last_heal[a["host"]]}
