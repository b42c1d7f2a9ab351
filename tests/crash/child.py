"""A real agent process that handles one command and SIGKILLs itself after its N-th event.

``python -m tests.crash.child <data_dir> <kill_after> <command> <json args> [<command id>]``: the
agent is built as ``drm agent`` builds it; every append of the command's events is counted, and
once ``kill_after`` events are stored (0: never) the process kills itself with SIGKILL, so the
next step (the adapter call after an intent, or the next intent) never runs. With a command id
the command carries it, so the parent can deliver the same command again after the kill.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from services.agent.bootstrap import build_agent
from tests.fs_lab import FS_HOST, command, settings_for


def main(data_dir: str, kill_after: str, name: str, args: str, command_id: str = "",
         host: str = FS_HOST) -> None:
    agent = build_agent(settings_for(Path(data_dir), host), host)
    limit, seen = int(kill_after), [0]
    append = agent.store.append

    def append_then_maybe_die(*a, **kw):
        stored = append(*a, **kw)
        seen[0] += len(stored)
        if limit and seen[0] >= limit:
            os.kill(os.getpid(), signal.SIGKILL)
        return stored

    agent.store.append = append_then_maybe_die
    envelope = command(name, host=host, **json.loads(args))
    if command_id:
        envelope = envelope.model_copy(update={"command_id": command_id})
    outcome = agent.handle(envelope)
    print(json.dumps({"type": outcome.type, "seen": seen[0]}))


if __name__ == "__main__":
    main(*sys.argv[1:7])
