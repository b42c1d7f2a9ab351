"""``tests.crash.child`` for BKServer: ``python -m tests.crash.bk_child <data_dir> <kill_after>
<command> <json args> [<command id>]`` handles one backup-server command and SIGKILLs itself once
``kill_after`` events of it are stored (0: never)."""
from __future__ import annotations

import sys

from tests.crash.child import main
from tests.tape_lab import BK_HOST

if __name__ == "__main__":
    main(*sys.argv[1:6], host=BK_HOST)
