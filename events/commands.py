"""The command envelope: a request to one host's agent, which may be rejected."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from events.envelope import UUID_PATTERN
from events.limits import CommandName, Host, Principal, ReplyTo


class CommandEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: str = Field(default_factory=lambda: str(uuid.uuid4()), pattern=UUID_PATTERN)
    name: CommandName = Field(description="imperative command name, e.g. HostInfo")
    target_host: Host
    principal: Principal
    issued_at: datetime
    args: dict[str, Any] = {}
    reply_to: ReplyTo | None = None
    correlation_id: str | None = Field(default=None, pattern=UUID_PATTERN)
    causation_id: str | None = Field(default=None, pattern=UUID_PATTERN)

    @property
    def workflow_id(self) -> str:
        """The correlation id, or the command's own id when it starts a workflow."""
        return self.correlation_id or self.command_id
