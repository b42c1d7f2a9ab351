"""PostgreSQL backups beside ``pg_basebackup`` (issue 14), in one run on one real server.

    python -m bench.pg_bench [--scale N] [--wal-seconds S] [--rounds R] [--restore-rounds K]

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
   ``drm pg recover`` to latest beside the baseline: the ``pg_basebackup`` copy put back plus
   the same WAL replayed to latest (target: ours <= the baseline), ``--restore-rounds`` pairs
   alternating which goes first, the page cache dropped before each (``bench.pg_restore_rounds``).
Barman (``backup_method=postgres``) is measured beside them when ``--barman`` names its
executable (``bench.pg_barman``: installed apart, ``pip install barman``).
The lab's cluster has 1 MiB WAL segments (``tests.pg_lab``). Needs the PostgreSQL binaries
and the postgres user (``tests.pg_lab.missing_postgres`` says why not).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

from bench.pg_restore_rounds import run_rounds
from services.agent.bootstrap import build_agent
from services.agent.postgres.keeper import WalKeeper
from services.settings import load_settings
from tests.fs_lab import command
from tests.pg_lab import CLUSTER, HOST, free_port, make_lab, missing_postgres, pg_base


MAX_RESTORE_ROUNDS = 50
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


class _Shown(dict):
    """The figures, each printed as it is measured (a later failure keeps the earlier ones)."""

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        print(f"{key:<28}  {value:.3f}" if isinstance(value, float) else f"{key:<28}  {value}",
              flush=True)


def run(scale: int, wal_seconds: int, barman: str | None = None, rounds: int = 5,
        restore_rounds: int = 1) -> dict:
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
        run_rounds(app, control, spec, send, entry["backup_id"], restore_rounds, figures)
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
    return dict(figures)


def _change_one_percent(control, spec, scale: int, round_: int) -> None:
    """1% of ``pgbench_accounts``' rows, a contiguous key range (another range each round),
    updated and checkpointed."""
    rows = 100_000 * scale // 100
    first = (round_ * rows) % (100_000 * scale - rows + 1) + 1
    control.run("psql", "-h", str(spec.socket_dir), "-p", str(spec.port), "-c",
                "UPDATE pgbench_accounts SET abalance = abalance + 1 "
                f"WHERE aid BETWEEN {first} AND {first + rows - 1}; CHECKPOINT;", "postgres",
                timeout=3600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=5)
    parser.add_argument("--wal-seconds", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5,
                        help="second backups (1%% changed, then ours and pg_basebackup's) to "
                             "take the medians of")
    parser.add_argument("--restore-rounds", type=int, default=1,
                        help="restore + recovery pairs (ours and the baseline, alternating "
                             "which goes first) to take the medians of")
    parser.add_argument("--barman", metavar="EXECUTABLE",
                        help="also measure Barman's backup_method = postgres (bench.pg_barman)")
    args = parser.parse_args()
    if args.rounds < 1 or args.restore_rounds < 1:
        parser.error("--rounds and --restore-rounds must be at least 1")
    if args.restore_rounds > MAX_RESTORE_ROUNDS:  # each pair replays the whole WAL twice
        parser.error(f"--restore-rounds: at most {MAX_RESTORE_ROUNDS}")
    why = missing_postgres()
    if why:
        raise SystemExit(f"skipped: {why}")
    run(args.scale, args.wal_seconds, args.barman, args.rounds, args.restore_rounds)


if __name__ == "__main__":
    main()
