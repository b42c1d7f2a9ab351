"""Pure decision modules load no database or broker library (checked in a fresh interpreter,
so modules other tests imported do not hide a dependency)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DECIDE_MODULES = sorted(
    ".".join(path.relative_to(REPO).with_suffix("").parts)
    for path in (REPO / "services" / "agent").rglob("decide.py"))
PURE = DECIDE_MODULES + ["services.agent.errors", "services.agent.ports",
                         "services.agent.table", "services.agent.plan",
                         "services.agent.interrupted"]
FORBIDDEN = ("sqlalchemy", "kombu", "pika")


def test_there_are_decide_modules_to_check():
    assert {"services.agent.filesystem.decide", "services.agent.backup_server.decide",
            "services.agent.transfer.decide"} <= set(DECIDE_MODULES)


def test_decide_modules_load_neither_sqlalchemy_nor_a_broker_client():
    script = ("import importlib, json, sys\n"
              f"for name in {PURE!r}:\n"
              "    importlib.import_module(name)\n"
              f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
              f"{FORBIDDEN!r})))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
