"""Issue 6 benchmark: the audit consumer replaying the shared log into PostgreSQL, and an
as-of catalog report on a long host stream.

    python -m bench.report_bench [--events 1000000] [--hosts 10] [--stream-url URL|none]
                                 [--no-breakdown]

1. Generate ``--events`` events from ``--hosts`` hosts (``tests.reporting_history``: map
   refreshes, backups with their resync/split intents and outcomes, supersession, one backup
   in 40 failing with its outcome, locks taken and released). They are sealed in memory exactly
   as a store seals them (real hash chains) and published straight to a fresh namespace's
   ``<ns>.events.log`` stream with pika, hosts interleaved in time order: 1,000,000 real
   backups would take hours on this machine, the consumer cannot tell the difference.
2. Replay, once per reader of the shared log (AMQP 0-9-1, and the stream protocol when port
   5552 answers): ``ReportConsumer`` follows the stream from the first offset into a fresh
   PostgreSQL database (checks, fold, view rows, one transaction per 5,000-event batch):
   events/s from the first message to the last commit (target >= 20,000/s). Then the same
   replay in two halves, to show where the time goes: the stream received into memory, and
   those messages checked, folded and written into a second empty database.
3. ``drm report catalog --host H0 --as-of T``, T after the host's last event (every one of its
   events folded), run as a separate process, median of 3 (target <= 2 s), and the same
   query in-process.
"""
from __future__ import annotations

import argparse
import heapq
import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pika
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from adapters.db import make_engine
from adapters.messaging.connection import open_connection
from tests.pika_admin import pika_parameters
from adapters.messaging.topology import Topology
from adapters.migrations import upgrade
from adapters.reporting.queries import ReportQueries
from adapters.reporting.sources import StreamSource
from adapters.reporting.store import ReportingStore
from events.codec import encode_event
from adapters.gc_pause import gc_paused
from services.audit.consumer import ReportConsumer
from services.cli.report_common import host_rows
from tests.reporting_history import history

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_STREAM = "rabbitmq-stream://guest:guest@127.0.0.1:5552/%2f"
ROOT = Path(__file__).resolve().parents[1]


def host_events(host: str, count: int):
    return itertools.islice(history(host, count), count)  # ~7.8 events per command


def publish(url: str, topology: Topology, hosts: list[str], per_host: int) -> tuple[int, float]:
    connection = pika.BlockingConnection(pika_parameters(url))
    channel = connection.channel()
    properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    exchange, started, count = topology.events.name, time.perf_counter(), 0
    merged = heapq.merge(*(host_events(h, per_host) for h in hosts),
                         key=lambda e: (e.occurred_at, e.host, e.seq))
    last = None
    for event in merged:
        channel.basic_publish(exchange, f"{event.host}.{event.type}", encode_event(event),
                              properties)
        count, last = count + 1, event
    channel.confirm_delivery()  # a confirmed publish after the rest: the broker has them all
    channel.basic_publish(exchange, "bench.end", b"end-of-benchmark", properties)
    connection.close()
    return count, time.perf_counter() - started, last


def fresh_database(server_url: str, name: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def replay(store: ReportingStore, url: str, topology: Topology, stream_url: str | None) -> dict:
    commits: list[float] = []
    consumer = ReportConsumer(store, on_batch=lambda changes: commits.append(time.perf_counter()))
    source = StreamSource(url, topology.event_log_name, batch_size=5000, stream_url=stream_url)
    started = time.perf_counter()
    consumer.follow_stream(source, threading.Event(), stop_when_idle=3.0)
    elapsed = commits[-1] - started
    return {"applied": consumer.stats.applied, "alerts": consumer.stats.alerts,
            "seconds": elapsed, "rate": consumer.stats.applied / elapsed}


def breakdown(store: ReportingStore, url: str, topology: Topology,
              stream_url: str | None) -> dict:
    """The two halves of a replay apart: receiving the stream (into memory), then checking,
    folding and writing those same messages into an empty database."""
    batches: list = []
    source = StreamSource(url, topology.event_log_name, batch_size=5000, stream_url=stream_url)
    started = time.perf_counter()
    with gc_paused():  # a million records kept in memory: GC passes over them are not receiving
        for batch in source.batches(None, threading.Event(), stop_when_idle=3.0):
            if batch:
                batches.append(batch)
                last = time.perf_counter()
    received = sum(map(len, batches))
    consumer = ReportConsumer(store)
    began = time.perf_counter()
    for batch in batches:
        consumer.apply(batch, source.name)
    ended = time.perf_counter()
    return {"receive": received / (last - started), "apply": received / (ended - began)}


def as_of_cli(report_url: str, amqp_url: str, namespace: str, host: str, moment) -> float:
    env = {**os.environ, "DRM_REPORT_DATABASE_URL": report_url, "DRM_BROKER_URL": amqp_url,
           "DRM_NAMESPACE": namespace, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "services.cli.main", "report", "catalog",
                           "--host", host, "--as-of", moment.isoformat()],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--amqp", default=os.environ.get("DRM_TEST_AMQP_URL", DEFAULT_AMQP))
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--stream-url", default=os.environ.get("DRM_TEST_STREAM_URL",
                                                               DEFAULT_STREAM),
                        help="stream-protocol URL; 'none' measures the AMQP 0-9-1 reader only")
    parser.add_argument("--no-breakdown", action="store_true",
                        help="skip the replay in two halves (step 2's second part)")
    args = parser.parse_args()
    postgres = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
    topology = Topology(f"bench{uuid.uuid4().hex[:8]}")
    hosts = [f"H{n}" for n in range(args.hosts)]
    per_host = args.events // args.hosts
    database = f"drm_report_bench_{uuid.uuid4().hex[:8]}"
    readers = {"AMQP 0-9-1": None}
    if args.stream_url != "none":
        readers["stream protocol"] = args.stream_url
    databases = [f"{database}_{n}" for n in range(2 * len(readers))]
    with open_connection(args.amqp) as connection:
        topology.declare_all(connection.channel())
    try:
        count, seconds, last = publish(args.amqp, topology, hosts, per_host)
        print(f"generated and published {count:,} events from {len(hosts)} hosts "
              f"in {seconds:.1f} s ({count / seconds:,.0f}/s)")
        names = iter(databases)
        for label, stream_url in readers.items():
            engine = make_engine(fresh_database(postgres, next(names)))
            upgrade(engine)
            result = replay(ReportingStore(engine), args.amqp, topology, stream_url)
            print(f"replay into PostgreSQL, {label} reader: {result['applied']:,} events in "
                  f"{result['seconds']:.1f} s = {result['rate']:,.0f} events/s   "
                  f"(target >= 20,000/s); {result['alerts']} alert(s) (the end marker is not "
                  f"an event)")
            if not args.no_breakdown:
                second = make_engine(fresh_database(postgres, next(names)))
                upgrade(second)
                halves = breakdown(ReportingStore(second), args.amqp, topology, stream_url)
                second.dispose()
                print(f"  of which: receiving alone {halves['receive']:,.0f} messages/s; "
                      f"checks + fold + PostgreSQL writes alone {halves['apply']:,.0f} events/s")
            if stream_url is None:  # the as-of queries below read this one
                store = ReportingStore(engine)
                report_url = engine.url.render_as_string(hide_password=False)
            else:
                engine.dispose()
        moment = last.occurred_at + timedelta(minutes=1)
        timings = [as_of_cli(report_url, args.amqp, topology.namespace, hosts[0], moment)
                   for _ in range(3)]
        queries = ReportQueries(store)
        started = time.perf_counter()
        found = host_rows(queries, hosts[0], moment)
        inside = time.perf_counter() - started
        print(f"drm report catalog --host {hosts[0]} --as-of T ({found.seq:,} events folded, "
              f"{len(found.rows.get('catalog', {}))} entries): {statistics.median(timings):.2f} s"
              f" as a process (median of 3), {inside:.2f} s in-process   (target <= 2 s)")
        store.engine.dispose()
    finally:
        with open_connection(args.amqp) as connection:
            topology.delete_all(connection.channel())
        admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in databases:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
