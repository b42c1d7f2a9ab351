"""Keeping paths inside the roots a host's configuration allows.

``confine(path, roots)`` is the one check every path from the bus or a lab file passes before
it is used: relative paths are taken relative to the first root, the result is normalised
lexically and then with its symlinks (the leaf's too) resolved, and both must lie inside one
of ``roots``. ``host_dir`` is the per-host directory under the data directory, for a host
name that follows ``events.names``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from events.names import BadName, check, check_path


class PathOutsideRoot(ValueError):
    """A path that would leave every root it is allowed in."""


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def confine(path: str | os.PathLike, roots: Iterable[str | os.PathLike],
            what: str = "path") -> Path:
    """``path`` as an absolute path inside one of ``roots`` (the first is the base of a
    relative path); raises ``BadName`` for a path text that breaks ``events.names`` and
    ``PathOutsideRoot`` for one that points elsewhere."""
    allowed = [Path(os.path.normpath(os.path.abspath(root))) for root in roots]
    if not allowed:
        raise PathOutsideRoot(f"{what} {str(path)!r}: no root is configured")
    text = check_path(os.fspath(path), what)
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = allowed[0] / candidate
    lexical = Path(os.path.normpath(candidate))
    real = Path(os.path.realpath(lexical))  # the leaf too: a symlink out of the roots is refused
    resolved_roots = [Path(os.path.realpath(root)) for root in allowed]
    if not any(_inside(lexical, root) for root in allowed) or \
            not any(_inside(real, root) for root in allowed + resolved_roots):
        shown = ", ".join(str(root) for root in allowed)
        raise PathOutsideRoot(f"{what} {text!r} is outside the allowed roots ({shown})")
    return lexical


def host_dir(data_dir: str | os.PathLike, host: str) -> Path:
    """``<data dir>/hosts/<host>`` for a valid host name (``BadName`` otherwise)."""
    check("host", host)
    return Path(data_dir) / "hosts" / host


__all__ = ["BadName", "PathOutsideRoot", "confine", "host_dir"]
