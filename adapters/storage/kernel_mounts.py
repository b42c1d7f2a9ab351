"""What the process may do to the kernel's mounts: its capabilities, read-only bind mounts
(``mount(2)`` through ctypes, Linux only) and the mount points under a directory.

Used by ``read_only`` (the ``bind`` guard) and by the tests, which detach what a test left.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys
from pathlib import Path

CAP_DAC_OVERRIDE, CAP_SYS_ADMIN = 1, 21
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
MNT_DETACH = 2


def effective_capabilities() -> int | None:
    """The process's effective capability set (Linux), None where it cannot be read."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return None


def has_capability(bit: int) -> bool:
    caps = effective_capabilities()
    if caps is None:
        return os.geteuid() == 0
    return bool(caps >> bit & 1)


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def bind_read_only(source: Path, target: Path) -> None:
    """Bind ``source`` on ``target`` read-only; OSError (EPERM without CAP_SYS_ADMIN)."""
    if not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "bind mounts need Linux")
    libc = _libc()
    src, dst = os.fsencode(source), os.fsencode(target)
    if libc.mount(src, dst, None, MS_BIND, None) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"bind mount of {source}: {os.strerror(code)}")
    if libc.mount(None, dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY, None) != 0:
        code = ctypes.get_errno()
        libc.umount2(dst, MNT_DETACH)
        raise OSError(code, f"read-only remount of {target}: {os.strerror(code)}")


def unbind(target: Path) -> None:
    """Detach every mount on ``target`` (lazily: a process inside keeps it until it leaves);
    nothing when none is there. (``os.path.ismount`` cannot see a bind mount from the same
    file system, so ``umount2`` itself is asked: EINVAL means "not a mount point".)"""
    if not sys.platform.startswith("linux"):
        return
    libc = _libc()
    while libc.umount2(os.fsencode(target), MNT_DETACH) == 0:
        pass
    code = ctypes.get_errno()
    if code not in (errno.EINVAL, errno.ENOENT, errno.EPERM, errno.ENOTDIR):
        raise OSError(code, f"unmount of {target}: {os.strerror(code)}")


def mounts_under(root: Path) -> list[Path]:
    """Mount points at or below ``root`` (``/proc/self/mountinfo``), deepest first."""
    base = os.path.realpath(root)
    found = []
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                point = line.split()[4].replace("\\040", " ").replace("\\011", "\t") \
                    .replace("\\012", "\n").replace("\\134", "\\")
                if point == base or point.startswith(base + os.sep):
                    found.append(Path(point))
    except OSError:
        return []
    return sorted(found, key=lambda p: len(p.parts), reverse=True)
