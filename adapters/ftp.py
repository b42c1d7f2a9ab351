"""FTP transfers of the extended commands (``EX_DRM_FTP_PUT``/``_GET``), with the standard
library's ``ftplib``: binary mode, passive, large blocks, the file's SHA-256 computed while it
streams. A ``get`` writes a temporary file renamed over the target when complete, so a broken
transfer never leaves half a file. Errors are ``FtpError`` with the server's reply; the password
never appears in one.
"""
from __future__ import annotations

import ftplib
import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

BLOCK = 1 << 20
DEFAULT_PORT = 21


class FtpError(Exception):
    """A transfer that did not complete (the text names the step and the server's reply)."""


@dataclass(frozen=True)
class Moved:
    bytes: int
    sha256: str


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
        digest, size = hashlib.sha256(), 0
        ftp = self._connect()
        try:
            _make_dirs(ftp, PurePosixPath(remote).parent)
            with local.open("rb") as handle:
                def reading():
                    nonlocal size
                    while chunk := handle.read(BLOCK):
                        digest.update(chunk)
                        size += len(chunk)
                        yield chunk

                with ftp.transfercmd(f"STOR {remote}") as conn:
                    for chunk in reading():
                        conn.sendall(chunk)
                ftp.voidresp()
        except (ftplib.Error, OSError, EOFError) as error:
            raise FtpError(f"cannot send {local.name} to {self.host}:{remote}: "
                           f"{_reply(error)}") from None
        finally:
            _close(ftp)
        return Moved(size, digest.hexdigest())

    def get(self, remote: str, local: Path) -> Moved:
        """Fetch ``remote`` into ``local`` (replaced whole once complete)."""
        digest, size = hashlib.sha256(), 0
        temporary = local.with_name(f".{local.name}.{os.getpid()}.part")
        ftp = self._connect()
        try:
            with temporary.open("wb") as handle, ftp.transfercmd(f"RETR {remote}") as conn:
                while chunk := conn.recv(BLOCK):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
            ftp.voidresp()
            os.replace(temporary, local)
        except (ftplib.Error, OSError, EOFError) as error:
            temporary.unlink(missing_ok=True)
            raise FtpError(f"cannot fetch {self.host}:{remote}: {_reply(error)}") from None
        finally:
            _close(ftp)
        return Moved(size, digest.hexdigest())


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
