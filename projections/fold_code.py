"""``fold_fingerprint()``: which code folded a saved view (as-of checkpoints, agent snapshots).

A view saved by one version of the fold is used only by the same version: another might have
given another view for the same events. The fingerprint is the SHA-256 (first 16 hex digits)
of every module of the ``projections`` and ``events`` packages, in path order; any change
there (even a comment) makes older saved views unused, never wrong.
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import events
import projections


@cache
def fold_fingerprint() -> str:
    digest = hashlib.sha256()
    for package in (projections, events):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
