"""Early write-back of a tape medium (``adapters.tape.write_behind``): it starts the kernel's
write-back of each chunk as it is written and reports, on leaving, a request that failed."""
from __future__ import annotations

import os

import pytest

from adapters.tape import write_behind
from adapters.tape.write_behind import CHUNK, WriteBehind


def test_every_written_chunk_is_requested_and_the_data_stay_intact(tmp_path):
    path = tmp_path / "medium"
    data = os.urandom(CHUNK // 4)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with WriteBehind(fd) as behind:
            for written in range(1, 9):
                os.write(fd, data)
                behind.advance(written * len(data))
            if write_behind._SYNC_FILE_RANGE is not None:
                assert behind.started == 2 * CHUNK  # two whole chunks requested
        os.fsync(fd)
    finally:
        os.close(fd)
    assert path.read_bytes() == data * 8


def test_a_failed_request_is_raised_on_leaving_not_lost():
    read_end, write_end = os.pipe()  # a pipe has no write-back: every request fails
    try:
        with pytest.raises(OSError):
            with WriteBehind(write_end) as behind:
                behind.advance(write_behind.FALLBACK_EVERY)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_without_sync_file_range_an_fdatasync_does_the_job_and_reports_too(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setattr(write_behind, "_SYNC_FILE_RANGE", None)
    read_end, write_end = os.pipe()  # fdatasync of a pipe fails (EINVAL)
    try:
        with pytest.raises(OSError):
            with WriteBehind(write_end) as behind:
                behind.advance(write_behind.FALLBACK_EVERY)
                assert behind.started == write_behind.FALLBACK_EVERY
    finally:
        os.close(read_end)
        os.close(write_end)
