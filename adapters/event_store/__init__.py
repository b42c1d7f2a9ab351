"""The event store adapter: per-host streams, global order, outbox, chain verification."""
from adapters.event_store.store import ConcurrencyError, SqlEventStore, StoredEvent
from adapters.event_store.verify import VerifyResult

__all__ = ["ConcurrencyError", "SqlEventStore", "StoredEvent", "VerifyResult"]
