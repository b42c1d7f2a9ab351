"""Early write-back of a file written as one stream, so that its final ``fsync`` waits for little.

A tape medium is complete or absent: it is fsynced before it is renamed into place. Left to
the kernel, the whole medium would still be in the page cache when the write ends, and the
``fsync`` would then write all of it while the caller waits. ``WriteBehind`` asks the kernel to
start writing each ``CHUNK`` of the stream as soon as it is written (Linux
``sync_file_range(SYNC_FILE_RANGE_WRITE)``: it starts the write-back of that range and returns,
without a journal commit or a device cache flush), from a helper thread (the call can block
while the device queue is full). The data reach the disk while the stream goes on, and the
caller's ``fsync`` only waits for the last chunks and the one journal commit that makes the
medium durable. Durability is still the caller's ``fsync``: this only moves the work earlier.

Where ``sync_file_range`` is missing (not Linux), an ``fdatasync`` of what has been written is
run instead, one at a time, every ``FALLBACK_EVERY`` bytes.
"""
from __future__ import annotations

import ctypes
import os
from concurrent.futures import Future, ThreadPoolExecutor

CHUNK = 8 << 20  # bytes per write-back request (measured: 8 MiB beat 32 and 64 MiB)
FALLBACK_EVERY = 64 << 20
SYNC_FILE_RANGE_WRITE = 2


def _sync_file_range():
    """libc's ``sync_file_range`` (called without the GIL), or ``None`` where there is none."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range  # the process's libc
    except (OSError, AttributeError, TypeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_SYNC_FILE_RANGE = _sync_file_range()


class WriteBehind:
    """Starts the write-back of ``fd``'s stream chunk by chunk; ``advance(end)`` after each
    write (``end``: bytes written so far, from offset 0). Used as a context manager: leaving
    it waits until every request is made (not until the data are on disk), and raises
    ``OSError`` when one failed (a write error seen here might not be seen again by the
    ``fsync``)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.started = fd, 0
        self._helper = ThreadPoolExecutor(1, thread_name_prefix="tape-write-behind")
        self._requests: list[Future] = []

    def advance(self, end: int) -> None:
        if _SYNC_FILE_RANGE is not None:
            if end - self.started >= CHUNK:
                self._requests.append(self._helper.submit(_write_back, self.fd, self.started,
                                                          end - self.started))
                self.started = end
        elif end - self.started >= FALLBACK_EVERY and (not self._requests
                                                       or self._requests[-1].done()):
            self._requests.append(self._helper.submit(os.fdatasync, self.fd))
            self.started = end
        if len(self._requests) > 64:
            self._settle(self._requests[:32])
            del self._requests[:32]

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self._helper.shutdown(wait=True)
        if error is None:
            self._settle(self._requests)

    @staticmethod
    def _settle(requests: list[Future]) -> None:
        for request in requests:
            request.result()


def _write_back(fd: int, offset: int, size: int) -> None:
    if _SYNC_FILE_RANGE(fd, offset, size, SYNC_FILE_RANGE_WRITE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"early write-back failed: {os.strerror(code)}")
