"""Fold of the catalog-transfer events (``events.transfer``) into the ``HostView``.

An imported entry is a live catalog entry exactly like a recorded one (same supersession,
same rotation bookkeeping); its lineage fields stay in the stream, where ``drm lineage`` reads
them. An ``ImportRequested`` opens the step ``import:<command_id>`` on its (ended) backup
workflow and ``ImportSent`` closes it, so a recovery finds the sends a dead agent left undone.
"""
from __future__ import annotations

from events import transfer
from projections import host_fold
from projections.host_view import HostView


@host_fold._on(transfer.BackupImported)
def _imported(view: HostView, event: host_fold.Fields, seq: int) -> None:
    host_fold._recorded(view, event, seq)


@host_fold._on(transfer.ImportRequested)
def _import_requested(view: HostView, event: host_fold.Fields, seq: int) -> None:
    host_fold._open(view, event.workflow_id, f"import:{event.command_id}", "ImportRequested")


@host_fold._on(transfer.ImportSent)
def _import_sent(view: HostView, event: host_fold.Fields, seq: int) -> None:
    host_fold._close(view, event.workflow_id, f"import:{event.command_id}")


def unsent_imports(view: HostView) -> list[tuple[str, str]]:
    """``(workflow_id, command_id)`` of every import requested and not known sent."""
    return [(w.workflow_id, key.removeprefix("import:")) for w in view.workflows.values()
            for key in w.open_steps if key.startswith("import:")]
