"""Issue 2 benchmark: event store append/read against the ``eventsourcing`` library, on SQLite
and PostgreSQL, and ``hostinfo`` round trips over RabbitMQ, in one run.

    python -m bench.event_store_bench [--events 100000] [--batch 100] [--round-trips 1000]

PostgreSQL and RabbitMQ come from DRM_TEST_DATABASE_URL / DRM_TEST_AMQP_URL (defaults: the
local servers). Each side gets a fresh database or file, dropped afterwards.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from bench import peer_eventsourcing
from bench.round_trips import measure_round_trips
from events import REGISTRY, EventContext
from events.outcomes import CommandCompleted

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def ours(url: str, total: int, batch: int) -> tuple[float, float]:
    engine = make_engine(url)
    upgrade(engine)
    store = SqlEventStore(engine)
    host, seq = f"bench-{uuid.uuid4().hex[:6]}", 0
    started = time.perf_counter()
    for _ in range(total // batch):
        drafts = [REGISTRY.draft(CommandCompleted(command="Bench", result={"n": index}))
                  for index in range(batch)]
        context = EventContext("bench@local", datetime.now(timezone.utc), str(uuid.uuid4()))
        seq = store.append(host, drafts, seq, context)[-1].seq
    appended = time.perf_counter()
    events = store.read(host)
    finished = time.perf_counter()
    assert len(events) == total and store.verify(host).ok
    engine.dispose()
    return appended - started, finished - appended


class ScratchDatabase:
    def __init__(self, server_url: str) -> None:
        self.server_url = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
        self.name = f"drm_bench_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")

    def __enter__(self):
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return make_url(self.server_url).set(database=self.name)

    def __exit__(self, *exc):
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def sqlite_round(total: int, batch: int) -> tuple[tuple, tuple]:
    with tempfile.TemporaryDirectory() as scratch:
        our = ours(f"sqlite:///{Path(scratch) / 'drm.db'}", total, batch)
        peer = peer_eventsourcing.run(
            peer_eventsourcing.sqlite_recorder(str(Path(scratch) / "es.db")), total, batch)
    return our, peer


def postgres_round(total: int, batch: int, pg_url: str) -> tuple[tuple, tuple]:
    with ScratchDatabase(pg_url) as url:
        our = ours(url.render_as_string(hide_password=False), total, batch)
    with ScratchDatabase(pg_url) as url:
        recorder = peer_eventsourcing.postgres_recorder(url.database, url.host or "127.0.0.1",
                                                        url.port or 5432, url.username or "",
                                                        url.password or "")
        peer = peer_eventsourcing.run(recorder, total, batch)
        recorder.datastore.close()
    return our, peer


def median_pair(rounds: list[tuple[tuple, tuple]]) -> tuple[tuple, tuple]:
    """Median seconds of each figure over the rounds: ((append, read) ours, (append, read) peer)."""
    pick = lambda side, op: statistics.median(r[side][op] for r in rounds)  # noqa: E731
    return (pick(0, 0), pick(0, 1)), (pick(1, 0), pick(1, 1))


def store_rows(total: int, batch: int, pg_url: str, rounds: int) -> list[tuple]:
    """Each backend ``rounds`` times, ours and the peer's in turn, medians reported."""
    sqlite = [sqlite_round(total, batch) for _ in range(rounds)]
    postgres = [postgres_round(total, batch, pg_url) for _ in range(rounds)]
    return [("SQLite", *median_pair(sqlite)), ("PostgreSQL", *median_pair(postgres))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--round-trips", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="repetitions; medians reported")
    args = parser.parse_args()
    pg_url = os.environ.get("DRM_TEST_DATABASE_URL", DEFAULT_PG)
    amqp_url = os.environ.get("DRM_TEST_AMQP_URL", DEFAULT_AMQP)

    print(f"Event store: {args.events:,} events in batches of {args.batch}, then read back "
          f"(median of {args.rounds} rounds, ours and the peer's in turn)")
    print(f"{'backend':<11} {'op':<7} {'ours ev/s':>11} {'eventsourcing':>14} {'ratio':>7}  target")
    for backend, (our_append, our_read), (peer_append, peer_read) in \
            store_rows(args.events, args.batch, pg_url, args.rounds):
        for op, mine, theirs in (("append", our_append, peer_append),
                                 ("read", our_read, peer_read)):
            ours_rate, peer_rate = rate(args.events, mine), rate(args.events, theirs)
            target = ">=1.0x" + (", >=100,000/s" if (backend, op) == ("SQLite", "read") else "")
            print(f"{backend:<11} {op:<7} {ours_rate:>11,.0f} {peer_rate:>14,.0f} "
                  f"{ours_rate / peer_rate:>6.2f}x  {target}")

    p50, p99 = measure_round_trips(amqp_url, args.round_trips)
    print(f"\nhostinfo round trips over RabbitMQ ({args.round_trips}, agent in its own "
          f"process): p50 {p50:.2f} ms, p99 {p99:.2f} ms  (target p50 <= 10 ms)")


if __name__ == "__main__":
    main()
