"""Catalog-transfer area (``events.transfer``).

An imported entry is a live catalog entry exactly like a recorded one (same supersession,
same rotation bookkeeping); its lineage fields stay in the stream, where ``drm lineage`` reads
them. An ``ImportRequested`` opens the step ``import:<command_id>`` on its (ended) backup
workflow and ``ImportSent`` closes it, so a recovery finds the sends a dead agent left undone.
"""
from __future__ import annotations

from events import transfer
from projections.host.area import AreaFold
from projections.host.common import close_step, open_step, record_backup
from projections.host_view import HostView

fold = AreaFold("transfer")
fold.on(transfer.BackupImported, record_backup)


@fold.on(transfer.ImportRequested)
def import_requested(view: HostView, event: transfer.ImportRequested, seq: int) -> None:
    open_step(view, event.workflow_id, f"import:{event.command_id}", "ImportRequested")


@fold.on(transfer.ImportSent)
def import_sent(view: HostView, event: transfer.ImportSent, seq: int) -> None:
    close_step(view, event.workflow_id, f"import:{event.command_id}")


def unsent_imports(view: HostView) -> list[tuple[str, str]]:
    """``(workflow_id, command_id)`` of every import requested and not known sent."""
    return [(w.workflow_id, key.removeprefix("import:")) for w in view.workflows.values()
            for key in w.open_steps if key.startswith("import:")]
