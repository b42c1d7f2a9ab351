"""Barman's ``backup_method = postgres`` beside ``drm pg backup`` (issue 14, pg-more), optional.

Barman is not a dependency of the product: the benchmark uses it only when ``--barman`` names
its ``barman`` executable (``pip install barman`` in a separate environment: it needs
``psycopg2``). The server section streams WAL through its own replication slot
(``streaming_archiver``, ``barman receive-wal``) and backs up with ``pg_basebackup``, as
Barman's documentation sets up a streaming-only server; every file lives in a directory of the
benchmark's lab, removed with it.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

SERVER = "bench"

CONFIG = """\
[barman]
barman_home = {home}
barman_user = {user}
log_file = {home}/barman.log
log_level = WARNING
configuration_files_directory = {home}/conf.d

[{server}]
description = drm pg benchmark
conninfo = {conninfo}
streaming_conninfo = {streaming}
backup_method = postgres
streaming_archiver = on
slot_name = barman
create_slot = auto
path_prefix = {bindir}
"""


class Barman:
    """One Barman server section for the benchmark's cluster."""

    def __init__(self, executable: str, work: Path, spec, bindir: Path) -> None:
        import pwd

        self.executable, self.home = executable, work / "barman"
        (self.home / "conf.d").mkdir(parents=True, exist_ok=True)
        self.config = self.home / "barman.conf"
        self.config.write_text(CONFIG.format(
            home=self.home, user=pwd.getpwuid(os.geteuid()).pw_name, server=SERVER,
            conninfo=spec.conninfo(), streaming=spec.conninfo(replication=True),
            bindir=bindir))
        self.receiver: subprocess.Popen | None = None

    def run(self, *args: str, timeout: float = 3600) -> str:
        done = subprocess.run([self.executable, "-q", "-c", str(self.config), *args],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"barman {' '.join(args)}: {done.stderr or done.stdout}")
        return done.stdout

    def start(self) -> None:
        """Create the slot and keep ``receive-wal`` running (as ``barman cron`` would)."""
        self.run("receive-wal", "--create-slot", SERVER)
        self.receiver = subprocess.Popen(
            [self.executable, "-q", "-c", str(self.config), "receive-wal", SERVER],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.run("switch-wal", "--force", "--archive", "--archive-timeout", "60", SERVER)

    def backup(self) -> tuple[float, int]:
        """``barman backup --wait``: seconds and the bytes of the backup's directory."""
        started = time.perf_counter()
        self.run("backup", "--wait", SERVER)
        seconds = time.perf_counter() - started
        base = self.home / SERVER / "base"
        newest = max(base.iterdir(), key=lambda p: p.stat().st_mtime)
        size = sum(p.stat().st_size for p in newest.rglob("*") if p.is_file())
        return seconds, size

    def stop(self) -> None:
        if self.receiver is not None and self.receiver.poll() is None:
            self.receiver.terminate()
            try:
                self.receiver.wait(10)
            except subprocess.TimeoutExpired:
                self.receiver.kill()
                self.receiver.wait()
        try:
            self.run("receive-wal", "--drop-slot", SERVER, timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass  # the server may be down already: its slot goes with the lab
