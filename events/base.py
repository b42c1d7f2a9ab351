"""Base classes of every message contract: frozen, strict pydantic models with no I/O."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Payload(BaseModel):
    """The typed body of an event. Holds identifiers and values, never adapter objects."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
