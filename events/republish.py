"""The re-publication request (DESIGN §3, ADR 0001): a consumer that found a gap in host H's
events on the shared log asks H's agent to publish the missing range again from its own store.

``RepublishEvents`` is a query (like the queries of ``events.fs_commands``): the agent records no
event for it, since publishing stored events again is not a fact of the host's history. It
publishes the stored events ``from_seq..to_seq`` to ``<p>.events`` exactly as its outbox relay
did, and answers (when the command names a ``reply_to``) with
``{"republished": n, "from_seq": a, "to_seq": b}``, or refuses a range that is empty, starts
before seq 1, or ends after the stream's head, with ``KAVX0006-E (DRM-90005: …)``.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from events.command_base import QUERY, Command

MAX_RANGE = 1_000_000  # events one request may ask for


class RepublishEvents(Command, concurrency=QUERY):
    """Sent by a reporting consumer that found a gap (no console command)."""

    name: Literal["RepublishEvents"] = "RepublishEvents"
    from_seq: int = Field(ge=1)
    to_seq: int = Field(ge=1)

    @model_validator(mode="after")
    def _a_range(self):
        if self.to_seq < self.from_seq:
            raise ValueError(f"to_seq {self.to_seq} is before from_seq {self.from_seq}")
        if self.to_seq - self.from_seq + 1 > MAX_RANGE:
            raise ValueError(f"at most {MAX_RANGE} events per request")
        return self

