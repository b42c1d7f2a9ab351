"""Moved to ``adapters.gc_pause`` (a runtime helper, not a projection). This name stays only
for the modules other branches are reshaping (the event store, the host fold, the reporting
ingest); once they import ``adapters.gc_pause``, delete this file."""
from adapters.gc_pause import gc_paused

__all__ = ["gc_paused"]
