"""``gc_paused()``: no cyclic GC passes inside the block.

For code that builds or grows many small acyclic objects (folded views, decoded rows, batches):
the collector would re-walk them again and again and find nothing, at a cost larger than the
work itself. Memory is still freed by reference counting; the previous GC state is restored.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
