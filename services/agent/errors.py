"""The errors a handler raises to end its command: a rejection before any change, a failure
part-way. Plain exceptions with the manual's message ID and text; nothing here loads a store,
a broker client or an adapter, so pure ``decide`` modules can raise them.
"""
from __future__ import annotations

from services import messages

NO_BACKUP_DATA = messages.NO_BACKUP_DATA


class CommandRejection(Exception):
    """A handler refuses the command before changing anything."""

    def __init__(self, message_id: str, text: str) -> None:
        super().__init__(f"{message_id} {text}")
        self.message_id, self.text = message_id, text


class CommandFailure(CommandRejection):
    """A handler's work failed part-way; what it did is recorded by its own events."""


def reject(detail: str, text: str) -> CommandRejection:
    """``KAVX0006-E`` with a detail code: the command is refused, nothing changed."""
    return CommandRejection(messages.PROCESSING_ERROR, messages.error_text(detail, text))


def failed(detail: str, text: str) -> CommandFailure:
    """``KAVX0006-E`` with a detail code: the command failed after recording what it did."""
    return CommandFailure(messages.PROCESSING_ERROR, messages.error_text(detail, text))


def no_backup(backup_id: str) -> CommandRejection:
    """``KAVX0024-E``: the backup ID names no entry of this host."""
    return CommandRejection(NO_BACKUP_DATA,
                            f"{messages.text(NO_BACKUP_DATA)} (backup ID = {backup_id})")
