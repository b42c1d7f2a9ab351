"""The restore half of ``bench.pg_bench``: restore + recovery to latest, ours beside the
baseline, in alternating rounds.

Ours is ``drm pg restore`` then ``drm pg recover``, back to back; the baseline is
``pg_basebackup``'s copy of the same moment put back, then the same recovery settings and
``restore_command`` over the same log backups. Before each side the server is stopped, the data
directory wiped (the disaster) and the page cache dropped (root only), so both start cold and
neither replays WAL the other left cached. The replay is the same work on both sides and varies
by several per cent from one replay to the next and drifts across a run, so one pair says
little: after an untimed warm-up replay the rounds alternate which side goes first (ABBA) and
the medians are reported, with each side's replay alone (the server log's "redo done ...
elapsed") beside its total.

Each recovery ends on a new timeline; the next one follows the newest timeline whose history
file is in the log backups, a few segments more, on both sides alike.
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import time
from pathlib import Path
from typing import Callable

from adapters.postgres.recovery import RecoveryTarget, finish_recovery_settings, \
    write_recovery_settings
from tests.pg_lab import CLUSTER

RECOVERY_TIMEOUT = 3600  # s: a baseline recovery that never ends fails the run, not hangs it


def wipe(directory: Path) -> None:
    for item in directory.iterdir():
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()


def drop_caches() -> bool:
    """Write everything back and drop the page cache (root only), so that neither restore
    replays WAL the other left cached; False where the system does not allow it."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def last_redo_seconds(server_log: Path) -> float | None:
    """The elapsed seconds of the last WAL replay the server logged ("redo done at ...
    elapsed: X s"): the replay alone, without start-up and the end-of-recovery checkpoint."""
    found = re.findall(r"redo done at .*elapsed: ([0-9]+(?:\.[0-9]+)?) s", server_log.read_text(
        errors="replace"))
    return float(found[-1]) if found else None


def ours(send: Callable, backup_id: str) -> tuple[float, float, float]:
    """``drm pg restore`` then ``drm pg recover`` to latest; (total, restore, recover) s."""
    started = time.perf_counter()
    send("RestorePgCluster", backup_id=backup_id)
    restored = time.perf_counter()
    send("RecoverPgCluster", cluster=CLUSTER)
    done = time.perf_counter()
    return done - started, restored - started, done - restored


def baseline(control, spec, copy: Path) -> tuple[float, float, float]:
    """``pg_basebackup``'s copy put back, then recovery to latest from the same log backups
    with the same settings; (total, copy put back, recover) s."""
    import psycopg

    started = time.perf_counter()
    wipe(spec.data_dir)
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
    copied = time.perf_counter()
    write_recovery_settings(control, RecoveryTarget("latest"), action="promote", standby=False)
    control.start(wait=True, timeout=RECOVERY_TIMEOUT)
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while True:  # hot standby is off: connections are refused until recovery ends
        if time.monotonic() > deadline:
            raise RuntimeError(f"the baseline's recovery did not end in {RECOVERY_TIMEOUT} s:\n"
                               f"{control.log_tail()}")
        try:
            with psycopg.connect(spec.conninfo(), autocommit=True) as connection:
                if not connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    break
        except psycopg.OperationalError:
            pass
        time.sleep(0.2)
    finish_recovery_settings(control)
    done = time.perf_counter()
    return done - started, copied - started, done - copied


def run_rounds(app, control, spec, send: Callable, backup_id: str, rounds: int,
               figures: dict) -> None:
    """``rounds`` pairs, alternating which side goes first; per-round and median figures
    into ``figures`` (``restore_vs_baseline``: the ratio of the median totals)."""
    sides = {"ours": lambda: ours(send, backup_id),
             "baseline": lambda: baseline(control, spec, spec.run_dir / "bench-base")}
    seen: dict[str, list[tuple[float, float, float, float | None]]] = {s: [] for s in sides}
    dropped = []
    # a first replay after the workload ran is slower than any later one on this machine
    # (the disk still settling); an untimed one goes first, then the pairs alternate in
    # ABBA order (ours, baseline, baseline, ours, ...) so that a steady drift across the
    # replays weighs on both sides alike with an even number of rounds
    app.stop(CLUSTER)
    wipe(spec.data_dir)
    drop_caches()
    sides["ours"]()  # (ours: its recovery restarts the WAL receiver on the new timeline)
    send("BackupPgLogs", cluster=CLUSTER)
    for round_ in range(rounds):
        order = ("ours", "baseline") if round_ % 2 == 0 else ("baseline", "ours")
        for side in order:
            app.stop(CLUSTER)
            wipe(spec.data_dir)  # the disaster: the data volume is lost
            dropped.append(drop_caches())  # both start cold, as after a disaster
            total, first, recover = sides[side]()
            seen[side].append((total, first, recover, last_redo_seconds(spec.server_log)))
            send("BackupPgLogs", cluster=CLUSTER)  # untimed: the new timeline's history and
            #                                        WAL recorded, as a serving agent would
        (o_total, o_restore, o_recover, o_redo), (b_total, b_copy, b_recover, b_redo) = (
            seen["ours"][-1], seen["baseline"][-1])
        figures[f"restore_round{round_ + 1}"] = (
            f"{order[0]} first: {o_total:.1f} s (restore {o_restore:.2f} + recover "
            f"{o_recover:.1f}, replay {o_redo}) vs {b_total:.1f} s (copy back {b_copy:.2f} + "
            f"recover {b_recover:.1f}, replay {b_redo}): {o_total / b_total:.3f}")
    figures["caches_dropped"] = all(dropped)
    median = lambda side, i: statistics.median(r[i] for r in seen[side])  # noqa: E731
    figures["restore_recover_s"], figures["restore_s"], figures["recover_s"] = (
        median("ours", 0), median("ours", 1), median("ours", 2))
    figures["baseline_restore_recover_s"], figures["baseline_copy_back_s"] = (
        median("baseline", 0), median("baseline", 1))
    if all(r[3] is not None for side in seen for r in seen[side]):
        figures["recover_redo_s"], figures["baseline_redo_s"] = (median("ours", 3),
                                                                 median("baseline", 3))
    figures["restore_vs_baseline"] = (figures["restore_recover_s"]
                                      / figures["baseline_restore_recover_s"])
    figures["restore_vs_baseline_per_round"] = " ".join(
        f"{o[0] / b[0]:.3f}" for o, b in zip(seen["ours"], seen["baseline"]))
