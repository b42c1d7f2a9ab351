"""Running a real PostgreSQL cluster whose files live on the lab's P-VOLs.

PostgreSQL refuses to run as root, so every server-side binary (initdb, pg_ctl, postgres,
pg_receivewal, pgbench, pg_amcheck) runs as ``spec.os_user`` (``postgres``): through
``runuser -u <user> --`` when this process is root, directly when it already is that user;
``ServerControl`` never starts a server as root. The server listens on no TCP address, only
on a Unix socket in the cluster's private run directory (``port`` names the socket, so it never
meets the system server on 5432); authentication is ``trust`` on that socket, whose directory
only the server's user (and root) can enter.

Each file-system location (data directory, WAL directory, tablespaces) is a *subdirectory* of a
P-VOL mount point, owned by the server's user with mode 0700, so the split copies it with its
owner. Every directory above it must be traversable by that user: ``unreachable_parent`` names
the first one that is not (a 0700 root-owned temp directory is the usual culprit; create the
lab under a directory with mode 0711 or 0755 instead).
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from services.agent.application_port import RUNNING, STOPPED, ApplicationError

RECOVERY_INCLUDE = "drm_recovery.conf"
"""The file ``postgresql.conf`` includes if present: the recovery settings a restore writes."""


@dataclass(frozen=True)
class ClusterSpec:
    """One PostgreSQL cluster of a host. ``run_dir`` (socket, server log, labels) and
    ``log_area`` (WAL log backups) are host-local, never on a P-VOL that a restore replaces."""

    name: str
    data_dir: Path
    wal_dir: Path
    port: int
    run_dir: Path
    log_area: Path
    tablespaces: tuple[tuple[str, Path], ...] = ()
    wal_segment_mb: int = 16
    os_user: str = "postgres"
    settings: tuple[tuple[str, str], ...] = field(default=())

    @property
    def socket_dir(self) -> Path:
        return self.run_dir / "socket"

    @property
    def server_log(self) -> Path:
        return self.run_dir / "server.log"

    @property
    def segment_size(self) -> int:
        return self.wal_segment_mb << 20

    def conninfo(self, dbname: str = "postgres", replication: bool = False) -> str:
        extra = " replication=database" if replication else ""
        return (f"host={self.socket_dir} port={self.port} user={self.os_user} "
                f"dbname={dbname} connect_timeout=10{extra}")


def find_bindir() -> Path | None:
    """The directory of the PostgreSQL server binaries (``pg_config --bindir``), or None."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(done.stdout.strip())
        if done.returncode == 0 and (candidate / "pg_ctl").exists():
            return candidate
    return None


def unreachable_parent(path: Path, user: str) -> Path | None:
    """The first directory above ``path`` that ``user`` cannot traverse (needs x), or None."""
    entry = pwd.getpwnam(user)
    groups = {entry.pw_gid} | {g for g in os.getgrouplist(user, entry.pw_gid)}
    for parent in reversed(Path(path).absolute().parents):
        info = parent.stat()
        if entry.pw_uid == 0:
            continue
        bit = (0o100 if info.st_uid == entry.pw_uid
               else 0o010 if info.st_gid in groups else 0o001)
        if not info.st_mode & bit:
            return parent
    return None


class ServerControl:
    """initdb, start, stop and status of one cluster, run as its OS user."""

    def __init__(self, spec: ClusterSpec, bindir: Path) -> None:
        self.spec = spec
        self.bindir = Path(bindir)
        self.user = pwd.getpwnam(spec.os_user)
        if self.user.pw_uid == 0:
            raise ApplicationError(f"cluster {spec.name}: refusing to run PostgreSQL as root",
                                   reason="state")

    def command(self, program: str, *args: str) -> list[str]:
        """The argument vector running ``program`` from the bin directory as the OS user."""
        argv = [str(self.bindir / program), *args]
        if os.geteuid() == self.user.pw_uid:
            return argv
        if os.geteuid() != 0:
            raise ApplicationError(f"cannot run {program} as {self.spec.os_user} "
                                   "(not root, not that user)", reason="state")
        return ["runuser", "-u", self.spec.os_user, "--", *argv]

    def run(self, program: str, *args: str, timeout: float = 120,
            check: bool = True) -> subprocess.CompletedProcess:
        """Run ``program`` as the OS user; ``ApplicationError`` with its stderr when it fails
        (unless ``check`` is false)."""
        done = subprocess.run(self.command(program, *args), capture_output=True, text=True,
                              timeout=timeout, check=False, cwd=self.spec.run_dir)
        if check and done.returncode != 0:
            raise ApplicationError(f"{program} failed ({done.returncode}): "
                                   f"{(done.stderr or done.stdout).strip()[-800:]}")
        return done

    def own(self, path: Path, mode: int = 0o700) -> Path:
        """Create ``path`` if needed, owned by the OS user with ``mode``; refuse when the
        user could not reach it."""
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, self.user.pw_uid, self.user.pw_gid)
        os.chmod(path, mode)
        blocked = unreachable_parent(path, self.spec.os_user)
        if blocked is not None:
            raise ApplicationError(f"{self.spec.os_user} cannot traverse {blocked} "
                                   f"(mode {blocked.stat().st_mode & 0o777:o}) to reach {path}",
                                   reason="state")
        return path

    def prepare_run_dir(self) -> None:
        self.own(self.spec.run_dir, 0o700)
        self.own(self.spec.socket_dir, 0o700)
        self.own(self.spec.log_area, 0o750)

    def initdb(self, settings: Sequence[tuple[str, str]] = ()) -> None:
        """Create the cluster: data and WAL directories (both new, empty), checksums on, our
        private socket, WAL for replication and streaming log backups; ``wal_recycle`` off
        (WAL on a replicated volume: a segment renamed for reuse is a whole file to copy)."""
        spec = self.spec
        self.prepare_run_dir()
        for directory in (spec.data_dir, spec.wal_dir, *(p for _, p in spec.tablespaces)):
            if directory.exists() and any(directory.iterdir()):
                raise ApplicationError(f"{directory} is not empty", reason="state")
            self.own(directory)
        self.run("initdb", "-D", str(spec.data_dir), "-X", str(spec.wal_dir),
                 f"--wal-segsize={spec.wal_segment_mb}", "--auth=trust", "--encoding=UTF8",
                 "--locale=C", "--data-checksums", "--no-instructions", "-U", spec.os_user,
                 timeout=300)
        lines = {"listen_addresses": "''", "port": str(spec.port),
                 "unix_socket_directories": f"'{spec.socket_dir}'", "wal_level": "replica",
                 "max_wal_senders": "4", "max_replication_slots": "4",
                 "max_connections": "20", "shared_buffers": "16MB",
                 # pg-more: a recycled segment is an old file renamed ahead, so every pair
                 # resync of the WAL volume copied it again (~min_wal_size per backup)
                 "wal_recycle": "off"}
        lines.update(dict(spec.settings))
        lines.update(dict(settings))
        text = "".join(f"{key} = {value}\n" for key, value in lines.items())
        with open(spec.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\n# drm\n{text}include_if_exists = '{RECOVERY_INCLUDE}'\n")

    def listening(self) -> bool:
        """True when a server accepts connections on our socket (any state, even starting up
        or in recovery). Unlike ``pg_ctl status`` this does not trust ``postmaster.pid``: a
        restored copy carries the pid file of the server it was copied from."""
        path = self.spec.socket_dir / f".s.PGSQL.{self.spec.port}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(5)
            try:
                probe.connect(str(path))
                return True
            except OSError:
                return False

    def status(self) -> str:
        if not (self.spec.data_dir / "PG_VERSION").exists():
            raise ApplicationError(f"cluster {self.spec.name} has no data directory",
                                   reason="not-found")
        done = self.run("pg_ctl", "status", "-D", str(self.spec.data_dir), check=False)
        return RUNNING if done.returncode == 0 else STOPPED

    def start(self, timeout: float = 120, wait: bool = True) -> None:
        """Start and wait until the server accepts connections; ``wait=False`` returns once
        the postmaster runs (recovery: the caller watches it). Starting a running server is
        no error."""
        if self.status() == RUNNING:
            return
        self.prepare_run_dir()
        self.run("pg_ctl", "start", "-w" if wait else "-W", "-t", str(int(timeout)),
                 "-D", str(self.spec.data_dir), "-l", str(self.spec.server_log),
                 timeout=timeout + 30)

    def stop(self, mode: str = "fast", timeout: float = 120) -> None:
        """Stop (``fast``: roll back sessions, checkpoint; ``smart``: wait for them;
        ``immediate``: crash-like); stopping a stopped server is no error."""
        if self.status() == STOPPED:
            return
        self.run("pg_ctl", "stop", "-w", "-m", mode, "-t", str(int(timeout)),
                 "-D", str(self.spec.data_dir), timeout=timeout + 30)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.spec.server_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
