"""Handlers of ``events.data_files``: where a host's data files are, and their set-up.

The agent opens its store (creating and migrating it: ``services.agent.bootstrap.open_store``)
before it handles any command, so ``SetUpDataFiles`` finds the data files made; its outcome
records that they were set up. ``ShowDataFiles`` answers from the same facts and records nothing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from events import CommandEnvelope
from events.base import Payload
from events.outcomes import CommandCompleted
from services.agent.service import AgentContext


def data_files(context: AgentContext) -> dict[str, Any]:
    """``db_path``: the directory of a file store, else the database URL without password."""
    url = context.store.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        db_path = str(Path(url.database).resolve().parent)
    else:
        db_path = url.render_as_string(hide_password=True)
    return {"db_path": db_path, "store": url.get_backend_name()}


def set_up_data_files(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    return [CommandCompleted(command=command.name, result=data_files(context))]


def show_data_files(command: CommandEnvelope, context: AgentContext) -> dict[str, Any]:
    return data_files(context)
