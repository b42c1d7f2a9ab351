"""Idle tasks of the serving loop (issue 14, pg-more): each runs in turn between commands; one
that raises is logged and the others still run."""
from __future__ import annotations

from types import SimpleNamespace

from services.agent.worker import AgentWorker


def test_a_failing_idle_task_does_not_stop_the_others(caplog):
    worker = AgentWorker(None, None, SimpleNamespace(host="DBServer"))
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("receiver trouble")

    worker.idle_tasks += [broken, lambda: ran.append("next")]
    worker.run_idle_tasks()
    worker.run_idle_tasks()
    assert ran == ["broken", "next", "broken", "next"]
    assert "receiver trouble" in caplog.text
