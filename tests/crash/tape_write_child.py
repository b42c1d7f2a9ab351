"""A real BKServer agent process that SIGKILLs itself in the middle of writing a tape medium.

``python -m tests.crash.tape_write_child <data_dir> <command id>``: the agent is built as
``drm agent`` builds it, with its own simulated library, and handles ``BackupToTape`` of
``0000000001``; once the partial medium on disk holds at least ``KILL_AT`` bytes (data of the
archive already written, the manifest not yet), the process kills itself with SIGKILL: no
``finally``, no cleanup, the half medium left where it lies.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import sys
from pathlib import Path

from adapters.tape import SimulatedTapeLibrary
from services.agent.bootstrap import build_agent
from tests.fs_lab import command, settings_for
from tests.tape_lab import BK_HOST

KILL_AT = 1 << 20


class DyingLibrary(SimulatedTapeLibrary):
    """The simulated library whose write dies part-way (the ``TapeLibrary`` port)."""

    def write(self, medium, label, source, progress=None):
        partial = self.archive_path(medium, label)
        partial = partial.with_name(f".{partial.name}.partial")

        def die_part_way(done: int, total: int) -> None:
            if partial.exists() and partial.stat().st_size >= KILL_AT:
                os.kill(os.getpid(), signal.SIGKILL)

        return super().write(medium, label, source, die_part_way)


def main(data_dir: str, command_id: str) -> None:
    agent = build_agent(settings_for(Path(data_dir)), BK_HOST)
    real = agent.ports.tape
    agent.ports = dataclasses.replace(agent.ports, tape=DyingLibrary(real.root, real.media()))
    envelope = command("BackupToTape", host=BK_HOST, backup_id="0000000001")
    agent.handle(envelope.model_copy(update={"command_id": command_id}))
    print("the write was not killed")


if __name__ == "__main__":
    main(*sys.argv[1:3])
