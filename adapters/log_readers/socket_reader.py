"""What the two ``LogReader`` implementations share: one socket, heartbeats both ways, a poll with
a deadline, and a polite close. A subclass says how to connect (``open``), what a heartbeat
and a goodbye look like, what to do with received bytes (``_take``) and how to hand out what
is ready (``_hand_out``)."""
from __future__ import annotations

import socket
import time
from typing import Any

RECEIVE_SIZE = 1 << 20


class SocketReader:
    def __init__(self, heartbeat: int, connect_timeout: float) -> None:
        self.heartbeat, self.connect_timeout = heartbeat, connect_timeout
        self.sock: socket.socket | None = None
        self._ready: list = []
        self._sent = self._heard = 0.0
        self._beating = False  # heartbeats start once both sides agreed on them

    # --- to be given by the protocol ---------------------------------------------------------
    def open(self) -> "SocketReader":
        raise NotImplementedError

    def _heartbeat_frame(self) -> bytes:
        raise NotImplementedError

    def _goodbye(self) -> bytes:
        raise NotImplementedError

    def _take(self, data: bytes) -> None:
        """Received bytes: parse them, appending what is ready to ``self._ready``."""
        raise NotImplementedError

    def _hand_out(self, ready: list) -> list[tuple[Any, bytes, str | None]]:
        """``(offset, body, user_id)`` of what is ready; give the broker credit for more."""
        raise NotImplementedError

    # --- shared ------------------------------------------------------------------------------
    def poll(self, timeout: float) -> list[tuple[Any, bytes, str | None]]:
        """What arrived, waiting up to ``timeout`` seconds for the first; ``[]`` when quiet."""
        deadline = time.monotonic() + timeout
        while not self._ready:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._receive(left)
        ready, self._ready = self._ready, []
        return self._hand_out(ready)

    def close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is None:
            return
        try:
            sock.settimeout(1.0)
            sock.sendall(self._goodbye())
        except OSError:
            pass
        finally:
            sock.close()

    def __enter__(self):
        return self.open() if self.sock is None else self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _connect(self, host: str, port: int) -> socket.socket:
        sock = socket.create_connection((host, port), timeout=self.connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sent = self._heard = time.monotonic()
        return sock

    def _send(self, data: bytes) -> None:
        assert self.sock is not None, "open() the reader first"
        self.sock.sendall(data)
        self._sent = time.monotonic()

    def _receive(self, wait: float) -> None:
        assert self.sock is not None, "open() the reader first"
        now = time.monotonic()
        if self.heartbeat and self._beating and now - self._sent >= self.heartbeat / 2:
            self._send(self._heartbeat_frame())
        if self.heartbeat and now - self._heard > 2 * self.heartbeat:
            raise ConnectionError(f"no data from the broker for {2 * self.heartbeat} s")
        step = min(wait, self.heartbeat / 2) if self.heartbeat else wait
        self.sock.settimeout(max(step, 0.001))
        try:
            data = self.sock.recv(RECEIVE_SIZE)
        except (socket.timeout, TimeoutError):
            return
        if not data:
            raise ConnectionError("the broker closed the connection")
        self._heard = time.monotonic()
        self._take(data)
