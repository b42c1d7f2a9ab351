"""The host fold as the reporting side uses it: the same ``projections.host_fold.apply_raw``,
made total. A gap or a payload the fold cannot read never stops a report: the fold moves on and
the caller records why (the views are then marked untrusted from that seq)."""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Iterable

import projections
from adapters.gc_pause import gc_paused
from projections.host_fold import apply_raw
from projections.host_view import HostView

FOLD_ERRORS = (KeyError, AttributeError, ValueError, TypeError, IndexError)
_loaded = False


def load_fold_modules() -> None:
    """Import every ``projections.host_fold_*`` module, so the mutators other areas add to the
    host fold (backup-server flows, tape, …) are registered before anything is folded."""
    global _loaded
    if _loaded:
        return
    for module in pkgutil.iter_modules(projections.__path__):
        if module.name.startswith("host_fold_"):
            importlib.import_module(f"projections.{module.name}")
    _loaded = True


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
    load_fold_modules()
    view = view or HostView(host)
    with gc_paused():
        for seq, type_, version, payload in rows:
            fold_event(view, seq, type_, version, payload)
    return view
