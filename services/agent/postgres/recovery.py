"""Restart recovery of PostgreSQL workflows (issue 14), called per unfinished workflow by the
file-system recovery (``services.agent.filesystem.recovery``) after the freezes are thawed.

- A cold backup or a restore that stopped the server and died before starting it again: a
  cold backup's server is started again (the application must not stay down because the
  agent died); a restore's stays stopped (its data is being replaced: ``drm pg restore``
  again, then ``drm pg recover``).
- A PostgreSQL backup that has no details on record is always aborted, never recorded from
  its request: its entry needs the label and WAL position only the running workflow had. Its
  generation stays unusable (``PgBackupRequested`` marked it) until the next backup.
"""
from __future__ import annotations

from services.agent.application_port import ApplicationError
from services.agent.postgres.workflows import KIND, server_step
from services.agent.runner import StepFailed, StepRunner


def settle(context, workflow) -> tuple[list[str], bool]:
    """``(problems, must_abort)`` for ``workflow``."""
    pg = context.view.postgres
    problems: list[str] = []
    cluster = pg.down.get(workflow.workflow_id)
    if cluster is not None and workflow.kind == "backup":
        app = context.ports.application(KIND)
        if app is None:
            problems.append(f"the PostgreSQL cluster {cluster} stays stopped: this host has no "
                            "PostgreSQL application now")
        else:
            try:
                server_step(StepRunner(context, workflow.workflow_id), app, "start", cluster,
                            workflow.workflow_id)
                problems.append(f"the PostgreSQL cluster {cluster} was started again")
            except (StepFailed, ApplicationError) as error:
                problems.append(f"the PostgreSQL cluster {cluster} could not be started: "
                                f"{error}")
    return problems, workflow.workflow_id in pg.started
