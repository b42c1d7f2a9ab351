"""Errors the CLI reports to the user: a KAVX-style message ID, a text, an exit code."""
from __future__ import annotations


class CliError(Exception):
    """A failure to show on stderr as ``<message_id> <text>`` and turn into an exit code."""

    def __init__(self, message_id: str, text: str, exit_code: int = 1) -> None:
        super().__init__(f"{message_id} {text}")
        self.message_id = message_id
        self.text = text
        self.exit_code = exit_code

    def render(self) -> str:
        return f"{self.message_id} {self.text}"
