"""The outcome of a SQL restore, recovery or log backup command a crash interrupted
(``services.agent.interrupted`` asks here): completed when its workflow ended completed, else
failed with ``DRM-10045``; ``None`` while its workflow is still open (recovery has not run).
Pure: the command's own events and the view in, a payload out."""
from __future__ import annotations

from events.outcomes import CommandCompleted, CommandFailed
from projections.host_view import HostView
from services import messages

COMMANDS = {"SqlRestoreRequested": ("RestoreSqlDatabases", "restore"),
            "SqlRecoveryRequested": ("RecoverSqlDatabases", "recovery"),
            "SqlLogBackupRequested": ("BackupSqlLogs", "log backup")}


def sql_open(view: HostView, prior) -> bool:
    workflows = view.sql_logs.workflows
    return any(e.type in COMMANDS and not getattr(workflows.get(e.payload["workflow_id"]),
                                                  "ended", "")
               for e in prior)


def _settle(event_type: str):
    command, what = COMMANDS[event_type]

    def settle(prior, request: dict, view: HostView):
        workflow = view.sql_logs.workflows.get(request["workflow_id"])
        if workflow is not None and workflow.ended == "completed":
            return CommandCompleted(command=command, result={
                "workflow_id": workflow.workflow_id, "databases": list(workflow.databases),
                "settled": "after an agent restart"})
        return CommandFailed(command=command, message_id=messages.PROCESSING_ERROR,
                             text=messages.error_text(messages.CRASH_INTERRUPTED,
                                                      f"the agent restarted during the SQL "
                                                      f"{what}; recovery aborted it"))
    return settle


SQL_SETTLERS = tuple((event_type, _settle(event_type)) for event_type in COMMANDS)
