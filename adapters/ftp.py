"""FTP transfers of the extended commands (``EX_DRM_FTP_PUT``/``_GET``), with the standard
library's ``ftplib``: binary mode, passive, 1 MiB blocks, the file's SHA-256 computed while it
streams (in a second thread, beside the socket and disk I/O; up to ``HASH_LIMIT``). A ``get``
writes a temporary file renamed over the target when complete, so a broken transfer never
leaves half a file. Errors are ``FtpError`` with the server's reply; the password
never appears in one.
"""
from __future__ import annotations

import ftplib
import hashlib
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

BLOCK = 1 << 20
HASH_LIMIT = 64 << 20  # bytes hashed while they stream; beyond, the size only (see Moved)
DEFAULT_PORT = 21


class FtpError(Exception):
    """A transfer that did not complete (the text names the step and the server's reply)."""


@dataclass(frozen=True)
class Moved:
    """What a transfer moved: its size, and its SHA-256 when it was at most ``HASH_LIMIT``
    bytes (an export document is kilobytes; hashing a large file would halve the throughput
    on a busy two-core machine)."""

    bytes: int
    sha256: str | None


class FtpClient:
    def __init__(self, host: str, port: int, user: str, password: str,
                 timeout: float = 30.0) -> None:
        self.host, self.port, self.user = host, port, user
        self._password, self.timeout = password, timeout

    def _connect(self) -> ftplib.FTP:
        ftp = ftplib.FTP(timeout=self.timeout)
        try:
            ftp.connect(self.host, self.port)
            ftp.login(self.user, self._password)
            ftp.set_pasv(True)
            ftp.voidcmd("TYPE I")
        except (ftplib.Error, OSError, EOFError) as error:
            ftp.close()
            raise FtpError(f"cannot log on to {self.host}:{self.port} as {self.user}: "
                           f"{_reply(error)}") from None
        return ftp

    def put(self, local: Path, remote: str) -> Moved:
        """Send ``local`` to ``remote`` (its directories made as needed)."""
        digest = _Digest()
        ftp = self._connect()
        try:
            _make_dirs(ftp, PurePosixPath(remote).parent)
            with local.open("rb", buffering=0) as handle, \
                    ftp.transfercmd(f"STOR {remote}") as conn:
                while chunk := handle.read(BLOCK):
                    digest.update_while(chunk, conn.sendall)
            digest.finish()
            ftp.voidresp()
        except (ftplib.Error, OSError, EOFError) as error:
            raise FtpError(f"cannot send {local.name} to {self.host}:{remote}: "
                           f"{_reply(error)}") from None
        finally:
            digest.close()
            _close(ftp)
        return digest.moved()

    def get(self, remote: str, local: Path) -> Moved:
        """Fetch ``remote`` into ``local`` (replaced whole once complete)."""
        digest = _Digest()
        temporary = local.with_name(f".{local.name}.{os.getpid()}.part")
        ftp = self._connect()
        try:
            with temporary.open("wb", buffering=0) as handle, \
                    ftp.transfercmd(f"RETR {remote}") as conn:
                while chunk := _receive(conn):
                    digest.update_while(chunk, handle.write)
            digest.finish()
            ftp.voidresp()
            os.replace(temporary, local)
        except (ftplib.Error, OSError, EOFError) as error:
            temporary.unlink(missing_ok=True)
            raise FtpError(f"cannot fetch {self.host}:{remote}: {_reply(error)}") from None
        finally:
            digest.close()
            _close(ftp)
        return digest.moved()


    def names(self, remote_dir: str) -> list[str]:
        """The file names in ``remote_dir`` (``NLST``; an empty or absent directory lists
        nothing). Added for the packed VDI metafiles that travel beside the export file
        (issue 13, spec 05 §5.2)."""
        ftp = self._connect()
        try:
            listed = ftp.nlst(remote_dir)
        except ftplib.error_perm:
            return []  # "550 No files found" or no such directory
        except (ftplib.Error, OSError, EOFError) as error:
            raise FtpError(f"cannot list {self.host}:{remote_dir}: {_reply(error)}") from None
        finally:
            _close(ftp)
        return sorted({PurePosixPath(name).name for name in listed})


class _Digest:
    """SHA-256 and size of what streams through, the hashing of each block running in a
    thread while the block is sent or written (both release the GIL: two cores, one pass);
    past ``HASH_LIMIT`` bytes the hashing stops and only the size is kept."""

    def __init__(self) -> None:
        self.sha, self.size = hashlib.sha256(), 0
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.pending = None

    def update_while(self, block, io) -> None:
        self.finish()
        if self.size + len(block) <= HASH_LIMIT:
            self.pending = self.pool.submit(self.sha.update, block)
        io(block)
        self.size += len(block)

    def finish(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def moved(self) -> Moved:
        return Moved(self.size, self.sha.hexdigest() if self.size <= HASH_LIMIT else None)


def _receive(conn) -> memoryview:
    """Up to ``BLOCK`` bytes, as many as arrive (empty at the end of the transfer), in a
    buffer of their own (the previous one may still be hashed)."""
    view, filled = memoryview(bytearray(BLOCK)), 0
    while filled < BLOCK:
        count = conn.recv_into(view[filled:])
        if not count:
            break
        filled += count
    return view[:filled]


def _make_dirs(ftp: ftplib.FTP, folder: PurePosixPath) -> None:
    path = PurePosixPath()
    for part in folder.parts:
        path = path / part
        try:
            ftp.mkd(str(path))
        except ftplib.error_perm:
            pass  # it exists (or the STOR below names the real problem)


def _reply(error: BaseException) -> str:
    if isinstance(error, socket.timeout):
        return "timed out"
    return str(error) or type(error).__name__


def _close(ftp: ftplib.FTP) -> None:
    try:
        ftp.quit()
    except (ftplib.Error, OSError, EOFError):
        ftp.close()
