"""Durable small files: atomic JSON writes, fcntl locks and process identity.

A JSON file is written to a temporary file in the same directory, fsync'ed, then renamed over
the old one with ``os.replace`` and the directory fsync'ed, so a reader sees either the old or
the new content even after SIGKILL or power loss. Locks are ``flock`` locks on a separate
``.lock`` file; they are released by the kernel when the process dies.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, data: Any, *, durable: bool = True, sort_keys: bool = True) -> None:
    """Replace ``path`` with ``data`` as JSON; a crash leaves either the old or the new file.

    ``durable=False`` skips the two fsyncs: the replacement is still atomic for readers and
    across a process kill, but may be lost (old content comes back) after a power failure.
    Use it only for state that may be lost, such as copy progress. ``sort_keys=False`` keeps
    the dicts' own order (faster for big documents whose order is already deterministic).
    """
    text = json.dumps(data, separators=(",", ":"), sort_keys=sort_keys).encode()  # C encoder
    write_bytes_atomic(path, text, durable=durable)


def write_bytes_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` (``write_json_atomic`` for bytes already encoded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def read_json(path: Path, default: Any = None) -> Any:
    """The JSON content of ``path``, or ``default`` when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


@contextlib.contextmanager
def file_lock(path: Path, shared: bool = False) -> Iterator[None]:
    """Hold an exclusive (or shared) flock on ``path`` for the ``with`` block, across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):  # zombie or dead: the process has ended
            return None
        return fields[19]  # field 22 of stat: start time in clock ticks since boot
    except (OSError, IndexError):
        return None


def process_token(pid: int | None = None) -> str:
    """A token naming a process, robust to pid reuse: ``pid:start_time``."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_start_time(pid) or '?'}"


def process_alive(token: str | None) -> bool:
    """True when the process named by ``token`` (from ``process_token``) is still running."""
    if not token:
        return False
    pid_text, _, start = token.partition(":")
    pid = int(pid_text)
    if start != "?":
        return _start_time(pid) == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
