"""``DeviceView``: what the backup server's OS sees of its S-VOLs (part of ``HostView``).

``concealed``: copy group -> its S-VOL device, for the S-VOLs hidden from the OS
(``drmdevctl -detach``, or an unmount under dynamic recognition). ``guards``: copy group -> how
its read-only mount refuses writes, while it is mounted read-only. ``changes``: copy group ->
how many changes ``drmumount`` found in its last read-only mount (0 = none).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GuardView:
    guard: str
    enforced: bool
    entries: int


@dataclass
class DeviceView:
    concealed: dict[str, str] = field(default_factory=dict)
    guards: dict[str, GuardView] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
