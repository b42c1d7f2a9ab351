"""What the operator logs share: one writer at a time per file (an ``fcntl`` lock on a sidecar
``.lock`` file, so that commands of several processes append whole records), rotation to
``.old``, and the masking of secrets.

No password ever reaches a log: ``mask_secrets`` replaces the value after ``-password`` (the
FTP commands' option, in any of its spellings) and any ``password=…``/``://user:pass@``
text with ``****``. Every writer passes its text through it.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
from pathlib import Path
from typing import Iterator

MASK = "****"
_OPTION = re.compile(r"(?i)((?:^|\s)-{1,2}password(?:\s+|=))(\"[^\"]*\"|\S+)")
_ASSIGNED = re.compile(r"(?i)(password\s*[=:]\s*)(\"[^\"]*\"|\S+)")
_URL = re.compile(r"(://[^/\s:@]+:)([^@\s/]+)(@)")


def mask_secrets(text: str) -> str:
    """``text`` with every password value replaced by ``****``."""
    text = _OPTION.sub(lambda m: m.group(1) + MASK, text)
    text = _ASSIGNED.sub(lambda m: m.group(1) + MASK, text)
    return _URL.sub(lambda m: m.group(1) + MASK + m.group(3), text)


def mask_argv(argv: list[str]) -> list[str]:
    """A command line (as arguments) with the value after ``-password`` masked."""
    masked, hide = [], False
    for value in argv:
        if hide:
            masked.append(MASK)
            hide = False
            continue
        name, equals, _ = value.partition("=")
        if name.lstrip("-").lower() == "password" and name.startswith("-"):
            if equals:
                masked.append(f"{name}={MASK}")
            else:
                masked.append(value)
                hide = True
            continue
        masked.append(mask_secrets(value))
    return masked


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the writer's lock of the log ``path`` (created with its directory if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def old_of(path: Path) -> Path:
    return path.with_name(path.name + ".old")


def rotate(path: Path) -> None:
    """``path`` becomes ``path.old`` (an existing ``.old`` is overwritten: two generations)."""
    if path.exists():
        os.replace(path, old_of(path))


def append(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def lines_in(path: Path) -> int:
    """The number of lines of ``path`` (0 when it does not exist), read in 1 MiB blocks."""
    count = 0
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                count += block.count(b"\n")
    except FileNotFoundError:
        return 0
    return count
