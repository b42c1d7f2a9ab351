"""Helpers several areas of the host fold share: workflow steps, catalog entries, stored values.

Every helper reads a payload either as ``area.stored_reader`` gives it (nested models as dicts,
datetimes as ISO strings) or validated (models, datetimes); both give the same result.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from events import filesystem as fs
from projections.host_view import CatalogEntry, CatalogRow, EndedWorkflow, HostView, Workflow


def parse_time(value: str | datetime | None) -> datetime | None:
    """A stored time (ISO string) or a validated one, as a ``datetime``; ``None`` stays."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def item_fields(item: Any) -> dict[str, Any]:
    """The fields of a nested item: the stored dict itself, or a validated model's."""
    return item if isinstance(item, dict) else item.__dict__


def catalog_rows(rows: Iterable[Any]) -> tuple[CatalogRow, ...]:
    """``ObjectRow`` items (stored or validated) as the view's ``CatalogRow``s."""
    found = []
    for row in rows:
        r = item_fields(row)
        found.append(CatalogRow(r["kind"], r["file"], r["file_system"], r["disk_group"],
                                r["device"], r["copy_group"]))
    return tuple(found)


def open_step(view: HostView, workflow_id: str, key: str, kind: str) -> None:
    """Record an intent without outcome (``kind``: its event type) on a known workflow; one
    that has ended comes back into ``view.workflows`` (still ended) while the step is open."""
    workflow = view.workflows.get(workflow_id)
    if workflow is None and workflow_id in view.ended_workflows:
        ended = view.ended_workflows.pop(workflow_id)
        workflow = view.workflows[workflow_id] = Workflow(
            workflow_id, ended.kind, ended.backup_id, (), (), ended.started_seq,
            ended=ended.how)
    if workflow is not None:
        workflow.open_steps[key] = kind


def close_step(view: HostView, workflow_id: str, key: str) -> Workflow | None:
    """The outcome of step ``key`` arrived; the workflow, if known."""
    workflow = view.workflows.get(workflow_id)
    if workflow is not None:
        workflow.open_steps.pop(key, None)
        if workflow.ended and not workflow.open_steps:
            _set_aside(view, workflow)
    return workflow


def end_workflow(view: HostView, workflow_id: str, how: str) -> None:
    """``how``: completed | aborted. An ended workflow has no open steps; it leaves
    ``view.workflows`` for ``view.ended_workflows`` (``EndedWorkflow``)."""
    workflow = view.workflows.get(workflow_id)
    if workflow is not None:
        workflow.ended = how
        workflow.open_steps.clear()
        _set_aside(view, workflow)


def _set_aside(view: HostView, workflow: Workflow) -> None:
    del view.workflows[workflow.workflow_id]
    view.ended_workflows[workflow.workflow_id] = EndedWorkflow(
        workflow.ended, workflow.kind, workflow.backup_id, workflow.started_seq)


def record_backup(view: HostView, event: fs.BackupRecorded, seq: int) -> None:
    """A live catalog entry (recorded or imported): the entry, its copy groups' rotation
    bookkeeping, and the end of the workflow that made it."""
    view.next_backup_number = max(view.next_backup_number, int(event.backup_id) + 1)
    ended_at = parse_time(event.ended_at)
    copy_groups = tuple(event.copy_groups)
    view.catalog[event.backup_id] = CatalogEntry(
        event.backup_id, event.original_id, event.origin_host, event.mode, event.object_type,
        tuple(event.instances), catalog_rows(event.rows), event.generation, copy_groups,
        parse_time(event.started_at), ended_at, event.comment, event.media, seq)
    for name in copy_groups:
        state = view.copy_group(name)
        state.backup_id = event.backup_id
        state.last_backup_at, state.last_backup_seq = ended_at, seq
    if event.workflow_id:
        end_workflow(view, event.workflow_id, "completed")
        view.backup_server.media_copies.pop(event.workflow_id, None)  # a tape restore's end
