"""Issue 15 benchmark: the cost of signed history (ADR 0005), in one run.

    python -m bench.trust_bench [--appends 2000] [--replay-events 200000]
                                [--audit-events 1000000] [--hosts 10] [--rounds 3]
                                [--parts append,replay,audit]

1. Event append with signing on (a signed head per append batch, in the batch's transaction)
   versus the same store code with signing off, on SQLite and PostgreSQL: ``--appends``
   appends of 1, 10 and 100 events: events/s, median of ``--rounds`` alternating rounds
   (target: signed >= 0.8x).
2. Reporting replay: ``ReportConsumer.apply`` of the same records (``tests.reporting_history``,
   a signed head after every command's events, as an agent's appends make them) into a fresh
   PostgreSQL database, with the heads sent and checked versus without heads and without the
   check: events/s, median of alternating rounds (target: checked >= 0.8x).
3. ``drm audit verify`` of ``--audit-events`` events (``--hosts`` hosts) from an existing
   reporting database (PostgreSQL, filled by the consumer with heads checked), as a separate
   process against a broker URL (so it reads the database as it is, with no catch-up): seconds,
   median of 3 (target <= 30 s).

PostgreSQL comes from DRM_TEST_DATABASE_URL (default: the local server); each part uses fresh
databases or files, dropped afterwards.
"""
from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.keys import KeyStore
from adapters.migrations import upgrade
from adapters.reporting.store import ReportingStore
from events import REGISTRY, EventContext
from events.codec import encode_event
from events.outcomes import CommandCompleted
from events.signing import sign_head
from projections.reporting.ingest import SourceRecord
from services.audit.consumer import ReportConsumer
from tests.reporting_history import history
from tests.services import scratch_database, sqlalchemy_postgres_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parents[1]


def append_rate(url: str, signer, total: int, batch: int) -> tuple[float, float]:
    """Events/s of ``total`` events appended ``batch`` at a time, signed when ``signer``: by
    the wall clock, and by this process's CPU time (on SQLite all of the work, so the second
    figure holds when other work loads the machine; on PostgreSQL the server's part is not
    in it)."""
    engine = make_engine(url)
    upgrade(engine)
    host = signer.host if signer else f"bench-{uuid.uuid4().hex[:6]}"
    store, seq = SqlEventStore(engine, signer=signer), 0
    drafts = [REGISTRY.draft(CommandCompleted(command="Bench", result={"n": n}))
              for n in range(batch)]
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(total // batch):
        context = EventContext("bench@local", datetime.now(timezone.utc), str(uuid.uuid4()))
        seq = store.append(host, drafts, seq, context)[-1].seq
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return total / elapsed, total / cpu


def append_rows(keys: KeyStore, pg_url: str, appends: int, rounds: int) -> list[tuple]:
    found = []
    for backend in ("SQLite", "PostgreSQL"):
        for batch in (1, 10, 100):
            total = appends * batch
            on, off = [], []
            for _ in range(rounds):  # alternating: signed, then unsigned, in each round
                for signed, into in ((True, on), (False, off)):
                    signer = keys.signer(f"bench-{uuid.uuid4().hex[:6]}") if signed else None
                    if backend == "SQLite":
                        with tempfile.TemporaryDirectory() as scratch:
                            into.append(append_rate(f"sqlite:///{Path(scratch) / 'e.db'}",
                                                    signer, total, batch))
                    else:
                        with scratch_database(pg_url, "drm_bench") as url:
                            into.append(append_rate(url, signer, total, batch))
            found.append((backend, batch, *(statistics.median(rates[n] for rates in runs)
                                             for runs in (on, off) for n in (0, 1))))
    return found


def records(keys: KeyStore | None, hosts: list[str], per_host: int) -> list[SourceRecord]:
    return list(record_stream(keys, hosts, per_host))


def record_stream(keys: KeyStore | None, hosts: list[str], per_host: int):
    """The hosts' histories interleaved, a signed head on each command's last event when
    ``keys`` (the command's events are one append batch)."""
    signers = {host: keys.signer(host) for host in hosts} if keys else {}
    offset = 0
    streams = [itertools.islice(history(host, per_host), per_host) for host in hosts]
    for events in itertools.zip_longest(*streams):
        for event in filter(None, events):
            head = None
            if event.host in signers and (event.seq == per_host or event.type in (
                    "CommandCompleted", "CommandFailed", "CommandRejected")):
                head = sign_head(signers[event.host], event.seq, event.hash).to_wire()
            yield SourceRecord(offset, encode_event(event, head))
            offset += 1


def replay_rate(pg_url: str, batch: list[SourceRecord], keys) -> float:
    with scratch_database(pg_url, "drm_bench") as url:
        engine = make_engine(url)
        upgrade(engine)
        consumer = ReportConsumer(ReportingStore(engine), keys=keys)
        started = time.perf_counter()
        for start in range(0, len(batch), 5000):
            consumer.apply(batch[start:start + 5000], "bench")
        elapsed = time.perf_counter() - started
        engine.dispose()
    return len(batch) / elapsed


def replay_row(keys: KeyStore, pg_url: str, total: int, hosts: int, rounds: int) -> tuple:
    names = [f"R{n}-{uuid.uuid4().hex[:4]}" for n in range(hosts)]
    signed, plain = records(keys, names, total // hosts), records(None, names, total // hosts)
    on, off = [], []
    for _ in range(rounds):
        on.append(replay_rate(pg_url, signed, keys.trusted()))
        off.append(replay_rate(pg_url, plain, None))
    return statistics.median(on), statistics.median(off)


def audit_seconds(keys: KeyStore, registry: Path, pg_url: str, total: int, hosts: int,
                  scratch: Path) -> tuple[int, list[float]]:
    names = [f"A{n}-{uuid.uuid4().hex[:4]}" for n in range(hosts)]
    with scratch_database(pg_url, "drm_bench") as report_url:
        engine = make_engine(report_url)
        upgrade(engine)
        filled = record_stream(keys, names, total // hosts)
        first = list(itertools.islice(filled, 5000))  # the hosts' keys are registered by now
        consumer = ReportConsumer(ReportingStore(engine), keys=keys.trusted())
        count, batch = 0, first
        while batch:
            consumer.apply(batch, "bench")
            count += len(batch)
            batch = list(itertools.islice(filled, 5000))
        engine.dispose()
        env = {**os.environ, "DRM_REPORT_DATABASE_URL": report_url,
               "DRM_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
               "DRM_DATA_DIR": str(scratch / "data"), "DRM_TRUSTED_KEYS": str(registry),
               "PYTHONPATH": str(ROOT)}
        env.pop("DRM_DATABASE_URL", None)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "services.cli.main", "audit", "verify"],
                                  env=env, cwd=ROOT, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
    return count, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--replay-events", type=int, default=200_000)
    parser.add_argument("--audit-events", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parts", default="append,replay,audit",
                        help="which parts to run, comma-separated (default: all three)")
    args = parser.parse_args()
    pg_url = sqlalchemy_postgres_url(os.environ.get("DRM_TEST_DATABASE_URL", DEFAULT_PG))
    with tempfile.TemporaryDirectory() as scratch:
        registry = Path(scratch) / "trusted_keys.json"
        keys = KeyStore(Path(scratch) / "keys", registry)
        print(f"load average at start: {os.getloadavg()[0]:.1f}")
        if "append" in args.parts:
            print_appends(keys, pg_url, args.appends, args.rounds)
        if "replay" in args.parts:
            on, off = replay_row(keys, pg_url, args.replay_events, args.hosts, args.rounds)
            print(f"\nReporting replay into PostgreSQL, {args.replay_events:,} events: heads "
                  f"checked {on:,.0f} ev/s, no heads {off:,.0f} ev/s, {on / off:.2f}x  "
                  f"(target >= 0.8x)")
        if "audit" not in args.parts:
            print(f"load average at the end: {os.getloadavg()[0]:.1f}")
            return
        count, times = audit_seconds(keys, registry, pg_url, args.audit_events, args.hosts,
                                     Path(scratch))
        print(f"\ndrm audit verify of {count:,} events ({args.hosts} hosts) from an existing "
              f"reporting database: median {statistics.median(times):.1f} s "
              f"(runs: {', '.join(f'{t:.1f}' for t in times)})  (target <= 30 s)")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def print_appends(keys: KeyStore, pg_url: str, appends: int, rounds: int) -> None:
    print(f"Append: {appends:,} appends per run, signed vs unsigned (median of {rounds} "
          f"alternating rounds); by wall clock, and by the benchmark's CPU time")
    print(f"{'backend':<11} {'batch':>5} {'signed ev/s':>12} {'unsigned ev/s':>14} "
          f"{'ratio':>6} {'CPU ratio':>10}  target")
    for backend, batch, on, on_cpu, off, off_cpu in append_rows(keys, pg_url, appends, rounds):
        cpu = f"{on_cpu / off_cpu:>9.2f}x" if backend == "SQLite" else f"{'-':>10}"
        print(f"{backend:<11} {batch:>5} {on:>12,.0f} {off:>14,.0f} {on / off:>5.2f}x {cpu}  "
              f">=0.8x")


if __name__ == "__main__":
    main()
