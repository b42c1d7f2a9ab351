"""Extended commands (issue 12): what each ``EX_DRM_*`` adds over the basic commands it wraps,
FTP transfer of a large export area, and the cost of an empty user script.

All in one process, embedded (``memory://``, SQLite stores), on a lab like the manual's (one
ShadowImage pair, a backup server with a tape library), every command run through
``services.cli.main.run`` as its console script runs it (output discarded):

1. per extended command, what its own layer adds: its time outside the agent calls (reading the
   definition and host.dat, the backup ID and export files, drm_script.log, framing) minus the
   same for the basic commands it wraps (``outside``); and, for reference, the whole difference
   (extended command - basic commands, run the same way on the same state), which carries the
   agents' own run-to-run noise; interpreter start-up of a console script is measured apart
   (``--help`` of each, in a fresh interpreter);
2. ``EX_DRM_FTP_PUT``/``EX_DRM_FTP_GET`` of a 1 GiB export file beside ``curl`` (when
   installed) and bare ``ftplib`` against the same FTP server (pyftpdlib, its own process);
3. ``drmfsbackup`` with a script of one empty ``[PRE_PROC]`` and one empty ``[POST_PROC]``
   command (``/bin/true``), LOCAL and REMOTE: the time its steps take in the agent, from its
   own events (intent to outcome of each command), plus recording the two intents (a whole
   backup varies by more than that from run to run on a shared machine).

Run: ``python -m bench.ex_bench [rounds] [ftp-MiB]`` (defaults 5 and 1024).
"""
from __future__ import annotations

import contextlib
import ftplib
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
OP = "Operation_A"
TARGET_MS, SCRIPT_LOCAL_MS, SCRIPT_REMOTE_MS, FTP_RATIO = 50.0, 50.0, 150.0, 0.8


def lab_text() -> str:
    from tests.e2e.ex_story import LAB

    return LAB.replace('media = ["MEDIA1", "MEDIA2"]',
                       "media = [" + ", ".join(f'"M{n:03d}"' for n in range(60)) + "]")


class Bench:
    def __init__(self, root: Path) -> None:
        self.root, self.data = root, root / "data"
        os.environ.update({"DRM_DATA_DIR": str(self.data), "DRM_HOSTNAME": "FSServer"})
        for name in ("DRM_BROKER_URL", "DRM_DATABASE_URL"):
            os.environ.pop(name, None)
        from services.cli import main

        self.main = main
        self.mp = self.data / "hosts" / "FSServer" / "mnt" / "E"
        self.ftp_root = self.data / "hosts" / "BKServer" / "ftp_root"

        from services.cli import perform

        self.in_agent = [0.0]
        ask = perform.Agent.ask

        def timed_ask(agent, command):
            started = time.perf_counter()
            try:
                return ask(agent, command)
            finally:
                self.in_agent[0] += time.perf_counter() - started

        perform.Agent.ask = timed_ask
        self.outside = 0.0  # ms of the last run spent outside the agent calls

    def run(self, *argv: str) -> tuple[float, str]:
        out, err = io.StringIO(), io.StringIO()
        self.in_agent[0] = 0.0
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = self.main.run(list(argv))
        elapsed = (time.perf_counter() - started) * 1000
        if code != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{out.getvalue()}{err.getvalue()}")
        self.outside = elapsed - self.in_agent[0] * 1000
        return elapsed, out.getvalue()

    def pair(self, extended: tuple, *basics: tuple) -> tuple[float, float, float, float]:
        """(extended ms, basic ms, extended outside-agent ms, basic outside-agent ms)."""
        ex_ms = self.run(*extended)[0]
        ex_out = self.outside
        basic_ms = basic_out = 0.0
        for basic in basics:
            basic_ms += self.run(*basic)[0]
            basic_out += self.outside
        return ex_ms, basic_ms, ex_out, basic_out

    def set_up(self) -> None:
        from tests.e2e.ex_story import DEFINITION, FILES, write_files

        lab = self.root / "lab.toml"
        lab.write_text(lab_text())
        self.run("lab", "init", str(lab))
        write_files(self.mp, FILES)
        definition = DEFINITION.format(instance=self.mp, ftp_home=self.ftp_root)
        for host in ("FSServer", "BKServer"):
            conf = self.data / "hosts" / host / "script" / "conf"
            conf.mkdir(parents=True, exist_ok=True)
            (conf / f"_{OP}.dat").write_text(definition)
        self.ftp_root.mkdir(parents=True, exist_ok=True)
        self.run("EX_DRM_FS_DEF_CHECK", OP, "-db")
        self.run("EX_DRM_FS_DEF_CHECK", OP, "-bk", "--host", "BKServer")
        self.run("tapeinit", "-product", "NBU", "-retention_days", "92", "--host", "BKServer")

    def bid(self, host: str) -> str:
        temp = (self.ftp_root / "script" / OP / "BK" if host == "BKServer" else
                self.data / "hosts" / host / "script_work" / OP / "DB")
        return (temp / f"{OP}.bid").read_text().strip()

    def assigned(self, text: str) -> str:
        return text.rsplit("Backup ID = ", 1)[1].split()[0]

    def imported(self, text: str) -> str:
        return text.rsplit("Imported backup ID = ", 1)[1].split()[0]

    def t(self, *argv: str) -> tuple[float, float, str]:
        """(ms, ms outside the agent calls, output) of one command line."""
        elapsed, text = self.run(*argv)
        return elapsed, self.outside, text

    def round(self, ftp: str) -> dict[str, tuple[float, float, float, float]]:
        """One pass over every extended command, each beside the basic commands it wraps on
        the same state: name -> (extended ms, basic ms, extended outside, basic outside)."""
        bk, cg, got = ("--host", "BKServer"), "VG01,vol01", {}

        def add(name, ex, *basics):
            got[name] = (ex[0], sum(b[0] for b in basics), ex[1], sum(b[1] for b in basics))

        basic_resync = self.t("resync", "-copy_group", cg)
        basic_backup = self.t("fsbackup", str(self.mp))
        add("EX_DRM_RESYNC", self.t("EX_DRM_RESYNC", OP, "-cg", cg), basic_resync)
        add("EX_DRM_FS_BACKUP", self.t("EX_DRM_FS_BACKUP", OP), basic_backup)
        backup = self.bid("FSServer")
        export = self.root / "basic.drm"
        add("EX_DRM_DB_EXPORT", self.t("EX_DRM_DB_EXPORT", OP),
            self.t("dbexport", backup, "-f", str(export)))
        user = ("-server", "BKServer", "-user", "admin", "-password", "password")
        local = self.data / "hosts" / "FSServer" / "script_work" / OP / "DB" / f"{OP}.drm"
        ex = self.t("EX_DRM_FTP_PUT", OP, *user)
        raw = ftplib_put(ftp, local, f"script/{OP}/BK/x.drm")
        add("EX_DRM_FTP_PUT", ex, (raw, raw))
        basic_import = self.t("dbimport", "-f", str(export), *bk)
        add("EX_DRM_DB_IMPORT", self.t("EX_DRM_DB_IMPORT", OP, *bk), basic_import)
        entry = self.bid("BKServer")
        basic_mount, basic_umount = self.t("mount", entry, *bk), self.t("umount", entry, *bk)
        add("EX_DRM_MOUNT", self.t("EX_DRM_MOUNT", OP, *bk), basic_mount)
        add("EX_DRM_UMOUNT", self.t("EX_DRM_UMOUNT", OP, *bk), basic_umount)
        add("EX_DRM_CACHE_PURGE", self.t("EX_DRM_CACHE_PURGE", OP, "-cg", cg, *bk),
            self.t("mount", "-copy_group", cg, *bk), self.t("umount", "-copy_group", cg, *bk))
        mounted = self.t("mount", entry, *bk)
        copied = self.t("mediabackup", entry, *bk)
        tape = self.assigned(copied[2])
        unmounted = self.t("umount", entry, *bk)
        add("EX_DRM_TAPE_BACKUP", self.t("EX_DRM_TAPE_BACKUP", OP, *bk), mounted, copied,
            unmounted)
        basics = (self.t("mount", tape, *bk), self.t("mediarestore", tape, *bk),
                  self.t("umount", tape, *bk))
        add("EX_DRM_TAPE_RESTORE", self.t("EX_DRM_TAPE_RESTORE", OP, "-backup_id", tape, *bk),
            *basics)
        self.run("EX_DRM_DB_EXPORT", OP, *bk)
        ex = self.t("EX_DRM_FTP_GET", OP, *user)
        raw = ftplib_get(ftp, f"script/{OP}/BK/{OP}.drm", self.root / "got.drm")
        add("EX_DRM_FTP_GET", ex, (raw, raw))
        add("EX_DRM_BACKUPID_SET", self.t("EX_DRM_BACKUPID_SET", OP, "-backup_id", backup),
            self.t("fscat", str(self.mp), "-backup_id", backup))
        basic_restore = self.t("fsrestore", backup, "-resync")
        add("EX_DRM_FS_RESTORE", self.t("EX_DRM_FS_RESTORE", OP, "-resync"), basic_restore)
        return got

    def script_round(self, scripts: dict[str, Path]) -> dict[str, float]:
        """ms a script of an empty [PRE_PROC] and [POST_PROC] command adds to a backup, from
        the agent's own events: each step from its intent (``UserScriptCommandStarted``, before
        the process starts or the remote agent is asked) to its outcome (``...Ended``), plus
        the cost of recording them (measured apart: ``record_ms``)."""
        added = {}
        for kind, path in scripts.items():
            server = ("-s", "BKServer") if kind == "REMOTE" else ()
            head = len(self.stream())
            self.run("fsbackup", str(self.mp), "-script", str(path), *server)
            events = self.stream()[head:]
            started = {(e.payload["section"], e.payload["index"]): e.occurred_at for e in events
                       if e.type == "UserScriptCommandStarted"}
            ended = [e for e in events if e.type == "UserScriptCommandEnded"]
            steps = sum((e.occurred_at - started[(e.payload["section"], e.payload["index"])])
                        .total_seconds() * 1000 for e in ended)
            added[kind] = steps + 2 * self.record_ms
        return added

    def stream(self) -> list:
        from adapters.db import make_engine
        from adapters.event_store import SqlEventStore

        engine = make_engine(f"sqlite:///{self.data / 'hosts' / 'FSServer' / 'events.db'}")
        try:
            return SqlEventStore(engine).read("FSServer")
        finally:
            engine.dispose()

    @property
    def record_ms(self) -> float:
        """One append of one small event to the FSServer store (the intents' recording)."""
        if not hasattr(self, "_record_ms"):
            from adapters.db import make_engine
            from adapters.event_store import SqlEventStore
            from events import REGISTRY
            from events.user_script import UserScriptCommandStarted
            from tests.builders import a_context

            engine = make_engine(f"sqlite:///{self.root / 'record.db'}")
            from adapters.migrations import upgrade

            upgrade(engine)
            store, times = SqlEventStore(engine), []
            draft = REGISTRY.draft(UserScriptCommandStarted(
                workflow_id="w", section="PRE_PROC", index=0, location="LOCAL", host="H",
                cmdline="/bin/true"))
            for seq in range(50):
                began = time.perf_counter()
                store.append("H", [draft], seq, a_context())
                times.append((time.perf_counter() - began) * 1000)
            engine.dispose()
            self._record_ms = statistics.median(times)
        return self._record_ms


# -- FTP -------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ftp(root: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "pyftpdlib", "-i", "127.0.0.1", "-p",
                               str(port), "-w", "-d", str(root), "-u", "admin", "-P", "password"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return server
        time.sleep(0.1)
    raise RuntimeError("the FTP server did not start")


def _ftp(address: str) -> ftplib.FTP:
    host, port = address.split(":")
    ftp = ftplib.FTP()
    ftp.connect(host, int(port))
    ftp.login("admin", "password")
    return ftp


def ftplib_put(address: str, local: Path, remote: str) -> float:
    started = time.perf_counter()
    ftp = _ftp(address)
    with local.open("rb") as handle:
        ftp.storbinary(f"STOR {remote}", handle, blocksize=1 << 20)
    ftp.quit()
    return (time.perf_counter() - started) * 1000


def ftplib_get(address: str, remote: str, local: Path) -> float:
    started = time.perf_counter()
    ftp = _ftp(address)
    with local.open("wb") as handle:
        ftp.retrbinary(f"RETR {remote}", handle.write, blocksize=1 << 20)
    ftp.quit()
    return (time.perf_counter() - started) * 1000


def curl(args: list[str]) -> float | None:
    if shutil.which("curl") is None:
        return None
    started = time.perf_counter()
    subprocess.run(["curl", "-s", "-S", *args], check=True)
    return (time.perf_counter() - started) * 1000


def big_transfer(bench: Bench, address: str, mib: int, rounds: int) -> dict[str, list[float]]:
    """MiB/s of a ``mib`` MiB export file: EX_DRM_FTP_PUT/GET, curl, ftplib."""
    temp = bench.data / "hosts" / "FSServer" / "script_work" / OP / "DB"
    export = temp / f"{OP}.drm"
    block = os.urandom(1 << 20)
    with export.open("wb") as handle:
        for _ in range(mib):
            handle.write(block)
    keep = bench.root / "big.drm"
    shutil.copyfile(export, keep)
    url = f"ftp://admin:password@{address}/script/{OP}/BK/"
    user = ("-server", "BKServer", "-user", "admin", "-password", "password")
    speeds: dict[str, list[float]] = {k: [] for k in ("ex put", "curl put", "ftplib put",
                                                     "ex get", "curl get", "ftplib get")}
    rate = lambda ms: mib / (ms / 1000)  # noqa: E731
    for _ in range(rounds):
        speeds["ex put"].append(rate(bench.run("EX_DRM_FTP_PUT", OP, *user)[0]))
        took = curl(["-T", str(keep), url + "c.drm"])
        if took is not None:
            speeds["curl put"].append(rate(took))
        speeds["ftplib put"].append(rate(ftplib_put(address, keep, f"script/{OP}/BK/f.drm")))
        speeds["ex get"].append(rate(bench.run("EX_DRM_FTP_GET", OP, *user)[0]))
        took = curl(["-o", str(bench.root / "c.got"), url + f"{OP}.drm"])
        if took is not None:
            speeds["curl get"].append(rate(took))
        speeds["ftplib get"].append(rate(ftplib_get(address, f"script/{OP}/BK/{OP}.drm",
                                                    bench.root / "f.got")))
    export.unlink()
    return speeds


# -- start-up --------------------------------------------------------------------------------------
def startup_ms(program: str, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([str(BIN / program), "--help"], check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def empty_scripts(root: Path) -> dict[str, Path]:
    scripts = {}
    for kind in ("LOCAL", "REMOTE"):
        path = root / f"empty-{kind}.txt"
        path.write_text(f"LOCAL_BACKUP=YES\n[PRE_PROC]\n[CMD]\nCMDLINE=/bin/true\n"
                        f"LOCATION={kind}\n[POST_PROC]\n[CMD]\nCMDLINE=/bin/true\n"
                        f"LOCATION={kind}\n")
        scripts[kind] = path
    return scripts


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):8.1f}  min {min(values):8.1f}  " \
           f"max {max(values):8.1f}"


def short(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f} [{min(values):7.1f}, {max(values):7.1f}]"


def main(rounds: int = 5, mib: int = 1024) -> int:
    print(f"load average at start: {os.getloadavg()}  cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="drm-ex-bench-") as folder:
        bench = Bench(Path(folder))
        bench.set_up()
        port = free_port()
        server = start_ftp(bench.ftp_root, port)
        address = f"127.0.0.1:{port}"
        os.environ["DRM_FTP_ADDRESSES"] = f'{{"BKServer": "{address}"}}'
        try:
            bench.round(address)  # warm-up: imports, first stores
            rounds_got = [bench.round(address) for _ in range(rounds)]
            print(f"\n1. ms an extended command adds over the basic commands it wraps "
                  f"(in-process, {rounds} rounds; target <= {TARGET_MS:g} ms)")
            print(f"  {'':<20} {'outside the agent calls: EX - basic':<44} "
                  f"{'whole run: EX - basic (agents noise)':<40} basic run")
            for name in rounds_got[0]:
                layer = [r[name][2] - r[name][3] for r in rounds_got]
                whole = [r[name][0] - r[name][1] for r in rounds_got]
                basic = statistics.median(r[name][1] for r in rounds_got)
                verdict = "ok" if statistics.median(layer) <= TARGET_MS else "OVER"
                print(f"  {name:<20} {spread(layer)} {verdict:<4}  {short(whole)}  "
                      f"{basic:7.1f} ms")
            print("  interpreter start-up of a console script (--help, fresh interpreter): "
                  f"EX_DRM_FS_BACKUP {startup_ms('EX_DRM_FS_BACKUP'):.0f} ms, "
                  f"drmfsbackup {startup_ms('drmfsbackup'):.0f} ms")
            scripts = empty_scripts(bench.root)
            bench.script_round(scripts)  # warm-up
            added = [bench.script_round(scripts) for _ in range(rounds)]
            print(f"\n3. an empty [PRE_PROC]/[POST_PROC] pair in a backup, from the agent's "
                  f"events ({rounds} rounds; an append costs {bench.record_ms:.1f} ms)")
            for kind, target in (("LOCAL", SCRIPT_LOCAL_MS), ("REMOTE", SCRIPT_REMOTE_MS)):
                values = [a[kind] for a in added]
                verdict = "ok" if statistics.median(values) <= target else "OVER"
                print(f"  {kind:<7} +{spread(values)} ms  (target <= {target:g})  {verdict}")
            if mib:
                speeds = big_transfer(bench, address, mib, max(1, min(rounds, 3)))
                print(f"\n2. FTP of a {mib} MiB export file, MiB/s (target: EX >= "
                      f"{FTP_RATIO:g} x the peer)")
                for name, values in speeds.items():
                    if values:
                        print(f"  {name:<11} {spread(values)}")
                for way in ("put", "get"):
                    ex = statistics.median(speeds[f"ex {way}"])
                    for peer in ("curl", "ftplib"):
                        if speeds[f"{peer} {way}"]:
                            ratio = ex / statistics.median(speeds[f"{peer} {way}"])
                            print(f"  {way}: EX / {peer} = {ratio:.2f}  "
                                  f"{'ok' if ratio >= FTP_RATIO else 'UNDER'}")
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"\nload average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
