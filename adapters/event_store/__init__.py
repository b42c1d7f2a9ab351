"""The event store adapter: per-host streams, global order, outbox, chain verification."""
from adapters.event_store.store import (ConcurrencyError, SqlEventStore, StoredEvent,
                                        VerifyResult)

__all__ = ["ConcurrencyError", "SqlEventStore", "StoredEvent", "VerifyResult"]
