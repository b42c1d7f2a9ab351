"""Message contracts: the event and command envelopes, payload models, the type registry.

No I/O here. Importing this package registers every event type in ``REGISTRY``.
"""
from events import filesystem, maps, outcomes, tape  # noqa: F401  (register their event types)
from events import transfer  # noqa: F401,E402  (catalog export/import events)
from events import extended, user_script  # noqa: F401,E402  (extended commands, scripts)
from events import cluster  # noqa: F401,E402  (a virtual server's active node)
from events import pairs  # noqa: F401,E402  (CCI pair commands' events)
from events import sql_logs, sql_restore  # noqa: F401,E402  (SQL restore and logs, issue 13)
from events import snapshots  # noqa: F401,E402  (the agent's host-view snapshots)
from events import postgres  # noqa: F401,E402  (PostgreSQL, issue 14: pg-commands slice)
from events import application, sqlserver  # noqa: F401,E402  (issue 13: freezes, SQL Server)
from events.commands import CommandEnvelope
from events.envelope import EventContext, EventDraft, EventEnvelope, seal
from events.registry import REGISTRY, EventRegistry, EventSchemaError

__all__ = ["REGISTRY", "CommandEnvelope", "EventContext", "EventDraft", "EventEnvelope",
           "EventRegistry", "EventSchemaError", "seal"]
