"""Reading files named by a user or a lab with an explicit size limit.

``read_limited`` reads at most ``limit`` bytes and refuses a file that has more, so a device
such as ``/dev/zero`` or a runaway file can never exhaust memory; the limits of each kind of
file live here.
"""
from __future__ import annotations

import os
from pathlib import Path

LAB_FILE_LIMIT = 4 << 20  # a lab definition (TOML, horcm.conf, hosts.toml)
EXPORT_FILE_LIMIT = 16 << 20  # a catalog export document (drmdbimport -f)
LIST_FILE_LIMIT = 1 << 20  # a target list file (-f) or another small definition file


class FileTooLarge(ValueError):
    """A file longer than the limit of its kind."""


def read_limited(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of ``path``; ``FileTooLarge`` when it holds more than ``limit`` bytes.
    ``OSError`` propagates for a file that cannot be opened or read."""
    with open(Path(path), "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"{what} {os.fspath(path)} is larger than {limit:,} bytes")
    return data


def read_text_limited(path: str | os.PathLike, limit: int, what: str = "file") -> str:
    """As ``read_limited``, decoded as UTF-8 (``UnicodeDecodeError`` becomes ``ValueError``
    with the file named)."""
    data = read_limited(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{what} {os.fspath(path)} is not UTF-8 text (byte "
                         f"{error.start})") from None
