"""PostgreSQL backups beside ``pg_basebackup`` (issue 14), in one run on one real server.

    python -m bench.pg_bench [--scale N] [--wal-seconds S] [--rounds R]

A pgbench database of ``--scale`` (1 = ~15 MiB; the issue's 1 GiB is scale 70, which the
README's figures use; small by default) on the lab's P-VOLs (data, WAL, tablespace; 4 GiB
LDEVs here), then, in order:
1. ``drm pg backup`` (first: the initial copy) and ``pg_basebackup -X stream`` of the same
   server: times and bytes copied;
2. ``--rounds`` times: 1% of ``pgbench_accounts``' pages changed (a contiguous key range
   updated, another each round), then the next ``drm pg backup`` (a differential resync) and a
   ``pg_basebackup``: times and bytes per round, and the medians (target: the second backup
   <= 10% of ``pg_basebackup``'s time; one pair of runs on a shared 2-core machine varies by
   half, hence the rounds). Every timed run starts after a ``sync``, so that neither side
   pays for the other's writeback. WAL streams between the commands as in a serving agent
   (``services.agent.postgres.keeper``): the WAL of the update is in the log backups before
   the backup starts, as it would be in service;
3. ``--wal-seconds`` of pgbench, WAL backed up, the data volume lost; ``drm pg restore`` plus
   ``drm pg recover`` to latest, then the baseline: the ``pg_basebackup`` copy put back plus the
   same WAL replayed to latest (target: ours <= the baseline). The page cache is dropped
   before each of the two (root only; ``caches_dropped`` says whether it was), so neither
   replays WAL the other left cached.
Barman (``backup_method=postgres``) is measured beside them when ``--barman`` names its
executable (``bench.pg_barman``: installed apart, ``pip install barman``).
The lab's cluster has 1 MiB WAL segments (``tests.pg_lab``). Needs the PostgreSQL binaries
and the postgres user (``tests.pg_lab.missing_postgres`` says why not).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import time
from pathlib import Path

from adapters.postgres.recovery import RecoveryTarget, finish_recovery_settings, \
    write_recovery_settings
from services.agent.bootstrap import build_agent
from services.agent.postgres.keeper import WalKeeper
from services.settings import load_settings
from tests.fs_lab import command
from tests.pg_lab import CLUSTER, HOST, free_port, make_lab, missing_postgres, pg_base


VOLUME_SIZE = "4GiB"  # every LDEV of the lab: room for the 1 GiB database (scale 70)


def _result(outcome) -> dict:
    if outcome.type != "CommandCompleted":
        raise RuntimeError(outcome.payload)
    return outcome.payload["result"]


def _timed(call):
    """Seconds ``call`` took, and its value; dirty pages of the run before are written first
    (``sync``), so neither side pays for the other's writeback."""
    os.sync()
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def _bytes_copied(agent, after_seq: int) -> int:
    return sum(e.payload.get("bytes_copied", 0)
               for e in agent.store.read(HOST, after_seq=after_seq) if e.type == "PairResynced")


def _basebackup(control, target: Path) -> tuple[float, int]:
    shutil.rmtree(target, ignore_errors=True)
    control.own(target.parent)
    seconds, _ = _timed(lambda: control.run("pg_basebackup", "-D", str(target), "-X", "stream",
                                            "-c", "fast", "-d", control.spec.conninfo(),
                                            timeout=3600))
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return seconds, size


def _wipe(directory: Path) -> None:
    for item in directory.iterdir():
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()


class _Shown(dict):
    """The figures, each printed as it is measured (a later failure keeps the earlier ones)."""

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        print(f"{key:<28}  {value:.3f}" if isinstance(value, float) else f"{key:<28}  {value}",
              flush=True)


def run(scale: int, wal_seconds: int, barman: str | None = None, rounds: int = 5) -> dict:
    base = pg_base()
    _, storage, spec = make_lab(base, free_port(), volume_size=VOLUME_SIZE)
    settings = load_settings(environ={}, data_dir=base, hostname=HOST)
    agent = build_agent(settings, HOST)
    app = agent.ports.application("postgresql")
    control = app.control(CLUSTER)
    send = lambda name, **args: _result(agent.handle(command(name, host=HOST, **args)))  # noqa
    figures: dict = _Shown()
    figures["scale"], figures["wal_seconds"] = scale, wal_seconds
    barman_server = None
    try:
        app.initdb(CLUSTER, (("max_wal_size", "1GB"),))
        app.start(CLUSTER)
        control.run("pgbench", "-i", "-q", "-s", str(scale), "-h", str(spec.socket_dir),
                    "-p", str(spec.port), "postgres", timeout=3600)
        send("ConfigurePgCluster", cluster=CLUSTER)
        keeper = WalKeeper(agent, every=0)  # WAL streams between commands, as a serving
        keeper.tick()                       # agent's keeper does (pg-more)
        seq = agent.view.seq
        figures["first_backup_s"], _ = _timed(lambda: send("BackupPgCluster", cluster=CLUSTER))
        figures["first_backup_bytes"] = _bytes_copied(agent, seq)
        figures["basebackup_s"], figures["basebackup_bytes"] = _basebackup(
            control, spec.run_dir / "bench-base")
        if barman:  # pg-more: Barman's backup_method = postgres, when given
            from bench.pg_barman import Barman
            barman_server = Barman(barman, spec.run_dir.parent / "bench-barman", spec,
                                   control.bindir)
            barman_server.start()
            figures["barman_s"], figures["barman_bytes"] = barman_server.backup()
        seconds: list[tuple[float, float]] = []
        for round_ in range(rounds):  # pg-speed: alternating rounds, medians reported
            _change_one_percent(control, spec, scale, round_)
            app.switch_wal(CLUSTER, timeout=600)  # the keeper has had the time it has in
            keeper.tick()  # service: what was written before the backup is recorded
            figures[f"round{round_ + 1}_load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
            seq = agent.view.seq
            ours, _ = _timed(lambda: send("BackupPgCluster", cluster=CLUSTER))
            copied = _bytes_copied(agent, seq)
            theirs, their_bytes = _basebackup(control, spec.run_dir / "bench-base")
            seconds.append((ours, theirs))
            figures[f"round{round_ + 1}"] = (f"{ours:.3f} s ({copied} bytes) vs {theirs:.3f} s "
                                             f"({their_bytes} bytes): {ours / theirs:.3f}")
            if barman_server is not None:
                figures[f"round{round_ + 1}_barman_s"], _ = barman_server.backup()
        figures["second_backup_s"] = statistics.median(ours for ours, _ in seconds)
        figures["second_backup_bytes"] = copied
        figures["basebackup2_s"] = statistics.median(theirs for _, theirs in seconds)
        figures["basebackup2_bytes"] = their_bytes
        figures["second_vs_basebackup"] = statistics.median(o / t for o, t in seconds)
        if barman_server is not None:
            barman_server.stop()
            barman_server = None
        control.run("pgbench", "-T", str(wal_seconds), "-c", "2", "-h", str(spec.socket_dir),
                    "-p", str(spec.port), "postgres", timeout=wal_seconds + 600)
        send("BackupPgLogs", cluster=CLUSTER)
        [entry] = agent.handle(command("ListPgCatalog", host=HOST, cluster=CLUSTER,
                                       chain=True)).result["entries"]
        figures["wal_segments"] = len(agent.view.postgres.wal.get(CLUSTER, {}))
        figures["chain_complete"] = entry["chain"]["complete"]
        app.stop(CLUSTER)
        _wipe(spec.data_dir)
        backup_id = entry["backup_id"]
        figures["caches_dropped"] = _drop_caches()  # both restores start cold, as after a disaster
        figures["restore_recover_s"], (figures["restore_s"], figures["recover_s"]) = _timed(
            lambda: _restore_and_recover(send, backup_id))
        figures["recover_redo_s"] = _last_redo_seconds(spec.server_log)
        app.stop(CLUSTER)
        _drop_caches()
        figures["baseline_restore_recover_s"], figures["baseline_copy_back_s"] = _timed(
            lambda: _baseline_restore(control, spec, spec.run_dir / "bench-base"))
        figures["baseline_redo_s"] = _last_redo_seconds(spec.server_log)
    finally:
        if barman_server is not None:
            barman_server.stop()
        app.close()
        try:
            app.stop(CLUSTER)
        except Exception:  # noqa: BLE001 - the measurement's own failure is what matters
            pass
        storage.wait_idle(10)
        shutil.rmtree(base, ignore_errors=True)
    figures["restore_vs_baseline"] = (figures["restore_recover_s"]
                                      / figures["baseline_restore_recover_s"])
    return dict(figures)


def _restore_and_recover(send, backup_id: str) -> tuple[float, float]:
    """``drm pg restore`` then ``drm pg recover``, back to back as the baseline's copy-back
    and replay are (no ``sync`` between them); returns the seconds of each."""
    started = time.perf_counter()
    send("RestorePgCluster", backup_id=backup_id)
    restored = time.perf_counter()
    send("RecoverPgCluster", cluster=CLUSTER)
    return restored - started, time.perf_counter() - restored


def _last_redo_seconds(server_log) -> float | None:
    """The elapsed seconds of the last WAL replay the server logged ("redo done at ...
    elapsed: X s"): the replay alone, without start-up and the end-of-recovery checkpoint."""
    found = re.findall(r"redo done at .*elapsed: ([0-9.]+) s", server_log.read_text(
        errors="replace"))
    return float(found[-1]) if found else None


def _drop_caches() -> bool:
    """Write everything back and drop the page cache (root only), so that neither restore
    replays WAL the other left cached; False where the system does not allow it."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def _change_one_percent(control, spec, scale: int, round_: int) -> None:
    """1% of ``pgbench_accounts``' rows, a contiguous key range (another range each round),
    updated and checkpointed."""
    rows = 100_000 * scale // 100
    first = (round_ * rows) % (100_000 * scale - rows + 1) + 1
    control.run("psql", "-h", str(spec.socket_dir), "-p", str(spec.port), "-c",
                "UPDATE pgbench_accounts SET abalance = abalance + 1 "
                f"WHERE aid BETWEEN {first} AND {first + rows - 1}; CHECKPOINT;", "postgres",
                timeout=3600)


def _baseline_restore(control, spec, copy: Path) -> float:
    """``pg_basebackup``'s copy put back, then recovery to latest from the same log backups;
    returns the seconds the copy took to put back."""
    started = time.perf_counter()
    _wipe(spec.data_dir)
    for item in copy.iterdir():
        if item.name == "pg_wal":
            continue
        target = spec.data_dir / item.name
        shutil.copytree(item, target, symlinks=True) if item.is_dir() else shutil.copy2(item,
                                                                                       target)
    shutil.chown(spec.data_dir, control.spec.os_user)
    for path in spec.data_dir.rglob("*"):
        shutil.chown(path, control.spec.os_user)
    for entry in spec.wal_dir.iterdir():
        if entry.is_file():
            entry.unlink()
    link = spec.data_dir / "pg_wal"
    if not link.exists():
        link.symlink_to(spec.wal_dir)
    copied = time.perf_counter() - started
    write_recovery_settings(control, RecoveryTarget("latest"), action="promote", standby=False)
    control.start(wait=True, timeout=3600)
    import psycopg
    while True:  # hot standby is off: connections are refused until recovery ends
        try:
            with psycopg.connect(spec.conninfo(), autocommit=True) as connection:
                if not connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    break
        except psycopg.OperationalError:
            pass
        time.sleep(0.2)
    finish_recovery_settings(control)
    return copied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=5)
    parser.add_argument("--wal-seconds", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5,
                        help="second backups (1%% changed, then ours and pg_basebackup's) to "
                             "take the medians of")
    parser.add_argument("--barman", metavar="EXECUTABLE",
                        help="also measure Barman's backup_method = postgres (bench.pg_barman)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    why = missing_postgres()
    if why:
        raise SystemExit(f"skipped: {why}")
    run(args.scale, args.wal_seconds, args.barman, args.rounds)


if __name__ == "__main__":
    main()
