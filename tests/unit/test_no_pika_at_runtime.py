"""pika is the broker admin tool of tests and benchmarks only: no runtime module imports it,
directly (checked in the source) or through anything it imports (checked in a fresh
interpreter that imports every runtime module)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("events", "services", "projections", "adapters")


def runtime_modules() -> list[tuple[str, Path]]:
    found = []
    for package in RUNTIME_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def imported_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_runtime_module_imports_pika_in_its_source():
    offenders = sorted(name for name, path in runtime_modules()
                       if any(n == "pika" or n.startswith("pika.")
                              for n in imported_names(ast.parse(path.read_text(), str(path)))))
    assert offenders == []


def test_importing_every_runtime_module_loads_no_pika():
    names = [name for name, _ in runtime_modules() if not name.endswith("__main__")]
    script = ("import importlib, sys\n"
              f"for name in {names!r}:\n"
              "    importlib.import_module(name)\n"
              "print(sorted(m for m in sys.modules if m == 'pika' or m.startswith('pika.')))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
