"""A ``LogReader`` that hands out prepared batches, for code that reads the shared log."""
from __future__ import annotations


class ScriptedLogReader:
    """Each ``poll`` returns the next prepared batch of ``(offset, body)``, then ``[]``."""

    def __init__(self, batches: list[list[tuple[int, bytes]]]) -> None:
        self.batches, self.polls, self.opened, self.closed = list(batches), [], False, False

    def open(self) -> "ScriptedLogReader":
        self.opened = True
        return self

    def poll(self, timeout: float) -> list[tuple[int | None, bytes]]:
        assert self.opened and not self.closed, "poll on a reader that is not open"
        self.polls.append(timeout)
        return self.batches.pop(0) if self.batches else []

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> "ScriptedLogReader":
        return self if self.opened else self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
