"""The command envelope: a request to one host's agent, which may be rejected.

The command itself travels typed, as ``command``: one of the catalogue's classes
(``events.catalogue.AnyCommand``), chosen by its ``name``. Arguments are validated when the
envelope is, so a handler never sees an argument its model does not allow.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from events.catalogue import AnyCommand
from events.command_base import Command
from events.envelope import UUID_PATTERN
from events.extended import OperationTag
from events.limits import Host, Principal, ReplyTo


class CommandEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: str = Field(default_factory=lambda: str(uuid.uuid4()), pattern=UUID_PATTERN)
    command: AnyCommand
    target_host: Host
    principal: Principal
    issued_at: datetime
    reply_to: ReplyTo | None = None
    correlation_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    causation_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    # sent by an extended command (EX_DRM_*): recorded first as OperationCommandStarted
    operation: OperationTag | None = None

    @property
    def name(self) -> str:
        """The command's wire name, e.g. ``BackupFileSystem``."""
        return self.command.name

    @property
    def workflow_id(self) -> str:
        """The correlation id, or the command's own id when it starts a workflow."""
        return self.correlation_id or self.command_id

    def typed(self, command_type: type[Command]):
        """The command, checked to be a ``command_type`` (a handler's own type)."""
        if not isinstance(self.command, command_type):
            raise TypeError(f"{self.name} is not a {command_type.__name__}")
        return self.command
