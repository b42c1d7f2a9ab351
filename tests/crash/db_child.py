"""``tests.crash.child`` for DBServer (the example lab's SQL Server host): ``python -m
tests.crash.db_child <data_dir> <kill_after> <command> <json args> [<command id>]``."""
from __future__ import annotations

import sys

from tests.crash.child import main

if __name__ == "__main__":
    main(*sys.argv[1:6], host="DBServer")
