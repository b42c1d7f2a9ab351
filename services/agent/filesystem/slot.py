"""Per-host exclusivity of "No" commands (spec 04 §5, §6), across processes.

The agent takes the slot for a command whose class declares ``concurrency=EXCLUSIVE``
(``events.command_base``); concurrent commands and queries never wait for it.

``CommandSlot`` is an ``flock`` on ``<data_dir>/hosts/<host>/command.lock``: the kernel frees it
when its holder dies (even by SIGKILL), so a crashed agent never blocks the host. A blocked
command retries every ``COM_RETRY_WAIT`` seconds, ``COM_RETRY_TIME`` times (0 = forever); when
the retries run out it is rejected with ``KAVX0006-E`` (``DRM-10050``) and nothing changes.
Settings come from the lab's host entry (``com_retry_time``/``com_retry_wait``), else from
``services.settings`` (``DRM_COM_RETRY_TIME``/``DRM_COM_RETRY_WAIT``), else 0 and 10.
"""
from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from services import messages
from services.agent.errors import CommandRejection
from services.settings import Settings, load_settings

SLOT_BUSY = messages.SLOT_BUSY


@dataclass(frozen=True)
class RetryPolicy:
    retry_time: int = 0  # attempts after the first; 0 = forever
    retry_wait: float = 10.0


def retry_policy(lab, host: str, settings: Settings | None = None) -> RetryPolicy:
    """The lab's values for ``host`` where it has them, else ``settings`` (default: loaded)."""
    settings = load_settings() if settings is None else settings
    entry = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == host.lower()), None)
    time_ = getattr(entry, "com_retry_time", None)
    wait = getattr(entry, "com_retry_wait", None)
    if time_ is None:
        time_ = settings.com_retry_time
    if wait is None:
        wait = settings.com_retry_wait
    return RetryPolicy(time_, wait)


class CommandSlot:
    """``slot()`` returns a context manager holding the host's slot (see module docstring)."""

    def __init__(self, path: Path, policy: RetryPolicy,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.path, self.policy, self.sleep = Path(path), policy, sleep

    def __call__(self) -> "_Held":
        return _Held(self)


class _Held:
    def __init__(self, slot: CommandSlot) -> None:
        self.slot, self.fd = slot, -1

    def __enter__(self) -> "_Held":
        slot = self.slot
        slot.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(slot.path, os.O_RDWR | os.O_CREAT, 0o644)
        attempts = 0
        while not self._try():
            attempts += 1
            if slot.policy.retry_time and attempts > slot.policy.retry_time:
                os.close(self.fd)
                raise CommandRejection(messages.PROCESSING_ERROR, messages.error_text(
                    SLOT_BUSY, f"another command is running on this host; gave up after "
                               f"{slot.policy.retry_time} retries (COM_RETRY_TIME)"))
            slot.sleep(slot.policy.retry_wait)
        return self

    def _try(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def __exit__(self, *exc) -> bool:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        return False


def slot_path(data_dir: Path, host: str) -> Path:
    return Path(data_dir) / "hosts" / host / "command.lock"
