"""``tests.crash.child`` for BKServer: ``python -m tests.crash.bk_child <data_dir> <kill_after>
<command> <json args>`` handles one backup-server command and SIGKILLs itself once
``kill_after`` events of it are stored (0: never)."""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from services.agent.bootstrap import build_agent
from tests.fs_lab import command, settings_for
from tests.tape_lab import BK_HOST


def main(data_dir: str, kill_after: str, name: str, args: str) -> None:
    agent = build_agent(settings_for(Path(data_dir)), BK_HOST)
    limit, seen = int(kill_after), [0]
    append = agent.store.append

    def append_then_maybe_die(*a, **kw):
        stored = append(*a, **kw)
        seen[0] += len(stored)
        if limit and seen[0] >= limit:
            os.kill(os.getpid(), signal.SIGKILL)
        return stored

    agent.store.append = append_then_maybe_die
    outcome = agent.handle(command(name, host=BK_HOST, **json.loads(args)))
    print(json.dumps({"type": outcome.type, "seen": seen[0]}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
