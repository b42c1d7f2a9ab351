"""``StepFailed``: a plan step failed (the step's name and the port's error).

Its own module so that step implementations outside the runner (``services.agent.application``)
raise it without importing the runner that imports them; ``services.agent.runner`` re-exports it.
"""
from __future__ import annotations


class StepFailed(Exception):
    def __init__(self, step: str, error: Exception) -> None:
        super().__init__(f"{step}: {error}")
        self.step, self.error = step, error
