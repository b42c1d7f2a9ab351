"""Fold of the catalog-transfer events (``events.transfer``) into the ``HostView``.

An imported entry is a live catalog entry exactly like a recorded one (same supersession,
same rotation bookkeeping); its lineage fields stay in the stream, where ``drm lineage`` reads
them. ``BackupExported`` and ``ImportRequested`` change no view: they only move the position.
"""
from __future__ import annotations

from events import transfer
from projections import host_fold
from projections.host_view import HostView


@host_fold._on(transfer.BackupImported)
def _imported(view: HostView, event: host_fold.Fields, seq: int) -> None:
    host_fold._recorded(view, event, seq)
