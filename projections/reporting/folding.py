"""The host fold as the reporting side uses it: the same ``projections.host_fold.apply_raw``,
made total. A gap or a payload the fold cannot read never stops a report: the fold moves on and
the caller records why (the views are then marked untrusted from that seq)."""
from __future__ import annotations

from typing import Any, Iterable

from adapters.gc_pause import gc_paused
from projections.host_fold import apply_raw
from projections.host_view import HostView

FOLD_ERRORS = (KeyError, AttributeError, ValueError, TypeError, IndexError)


def fold_event(view: HostView, seq: int, type_: str, version: int,
               payload: dict[str, Any]) -> str | None:
    """Apply one event; return why the fold could not read it (``None`` when it could).

    Events missing before ``seq`` (a gap) are skipped over: the caller has already reported
    them. Event types the fold does not know only move the position.
    """
    if seq != view.seq + 1:
        view.seq = seq - 1
    try:
        apply_raw(view, seq, type_, version, payload)
    except FOLD_ERRORS as error:
        view.seq = seq
        return f"{type(error).__name__}: {error}"
    return None


def fold_rows(host: str, rows: Iterable[tuple[int, str, int, dict]],
              view: HostView | None = None) -> HostView:
    """The view of ``host`` from ``(seq, type, version, payload)`` rows in seq order, folded
    onto ``view`` (a state at an earlier seq) when given."""
    view = view or HostView(host)
    with gc_paused():
        for seq, type_, version, payload in rows:
            fold_event(view, seq, type_, version, payload)
    return view
