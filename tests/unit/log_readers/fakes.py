"""A ``LogReader`` that hands out prepared batches, for code that reads the shared log."""
from __future__ import annotations


class ScriptedLogReader:
    """Each ``poll`` returns the next prepared batch, then ``[]``: ``(offset, body)`` items are
    handed out as ``(offset, body, None)`` (no ``user_id``), triples as they are."""

    def __init__(self, batches: list[list[tuple]]) -> None:
        self.batches, self.polls, self.opened, self.closed = list(batches), [], False, False

    def open(self) -> "ScriptedLogReader":
        self.opened = True
        return self

    def poll(self, timeout: float) -> list[tuple[int | None, bytes, str | None]]:
        assert self.opened and not self.closed, "poll on a reader that is not open"
        self.polls.append(timeout)
        batch = self.batches.pop(0) if self.batches else []
        return [(item[0], item[1], item[2] if len(item) > 2 else None) for item in batch]

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> "ScriptedLogReader":
        return self if self.opened else self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
