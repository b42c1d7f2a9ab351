"""``drm report``: the audit consumer (``serve``, ``rebuild``) and the reports it answers
(``catalog``, ``locks``, ``maps``, ``lineage``, ``summary``), as human tables or ``--json``.

Distributed: ``serve`` follows the RabbitMQ stream into the reporting database and the reports
read that database. Embedded (no broker): the source is the hosts' local stores under
``DRM_DATA_DIR``, and every report first catches up from them.
"""
from __future__ import annotations

import signal
import sys
import threading

from services import messages
from services.cli import catalog_layouts as layout
from services.cli.entries import LocalEntry
from services.cli.errors import CliError
from services.cli.output import emit_json
from services.cli.report_common import (SERVE, host_rows, open_queries, parse_time,
                                         take_lease)
from services.cli.report_summary import lineage_lines, summary_documents, summary_lines
from services.settings import load_settings

# The consumer's modules (alembic, pika, kombu) are imported by ``serve`` and ``rebuild`` only:
# a report reads the database, and importing them would cost most of its start-up.


def register(subparsers) -> None:
    report = subparsers.add_parser(
        "report", help="the audit/reporting consumer and its reports across hosts",
        description="Replay the shared log into the reporting database and report any host's "
                    "catalog, locks and maps, now or as of a time.")
    commands = report.add_subparsers(dest="report_command", metavar="<report command>")
    serve = commands.add_parser("serve", help="consume the shared log into the reporting store")
    serve.add_argument("--until-idle", type=float, metavar="SECONDS",
                       help="stop once the log has been quiet this long (default: run forever)")
    serve.add_argument("--batch-size", type=int, default=5000)
    serve.set_defaults(func=run_serve)
    rebuild = commands.add_parser("rebuild", help="drop the views and replay from the start")
    rebuild.add_argument("--idle", type=float, default=2.0, metavar="SECONDS",
                         help="the replay ends when the log has been quiet this long")
    rebuild.set_defaults(func=run_rebuild)
    for name, helptext, host_required in (
            ("catalog", "a host's backup catalog, in the drmfscat layout", True),
            ("locks", "copy-group locks and generations", False),
            ("maps", "a host's dictionary maps, in the drmfsdisplay -cf layout", True)):
        parser = commands.add_parser(name, help=helptext)
        parser.add_argument("--host", required=host_required)
        parser.add_argument("--as-of", metavar="TIME", help="as the view stood at this time")
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(func=REPORTS[name])
    lineage = commands.add_parser("lineage", help="a backup's history across hosts")
    lineage.add_argument("original_host")
    lineage.add_argument("backup_id")
    lineage.add_argument("--json", action="store_true")
    lineage.set_defaults(func=run_lineage)
    summary = commands.add_parser("summary", help="per host: last backups, failures, locks, "
                                                  "tape-only entries, integrity")
    summary.add_argument("--json", action="store_true")
    summary.set_defaults(func=run_summary)
    report.set_defaults(func=lambda args: report.print_help() or 1)


def _stopper() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _show_alerts(changes) -> None:
    for host, seq, kind, detail, offset in changes.alerts:
        print(f"ALERT {kind} host={host} seq={seq} offset={offset}: {detail}", file=sys.stderr,
              flush=True)


def _show_heal(alert) -> None:
    host, seq, kind, detail, _ = alert
    print(f"NOTE {kind} host={host} seq={seq}: {detail}", file=sys.stderr, flush=True)


def run_serve(args) -> int:
    from adapters.reporting.lease import LeaseWatch
    from services.audit.bootstrap import (gap_requests, local_source, open_reporting_store,
                                          stream_source)
    from services.audit.consumer import ReportConsumer
    from services.trust import trusted_keys

    settings = load_settings()
    store = open_reporting_store(settings)
    stop = _stopper()
    with take_lease(store, SERVE) as lease, LeaseWatch(lease, stop.set) as watch:  # lifelong
        if settings.embedded:  # the local stores are read directly: no gap to ask about
            consumer = ReportConsumer(store, on_batch=_show_alerts, keys=trusted_keys(settings))
            consumer.follow_local(local_source(settings), stop)
        else:
            requests = gap_requests(settings, store)
            consumer = ReportConsumer(store, on_batch=lambda changes: (
                _show_alerts(changes), requests.on_batch(changes)), keys=trusted_keys(settings))
            consumer.healer.on_heal = _show_heal
            requests.ask_open(consumer.healer.untrusted(consumer.ingestor))
            source = stream_source(settings, args.batch_size)
            try:
                consumer.follow_stream(source, stop, stop_when_idle=args.until_idle)
            finally:
                requests.close()
    if watch.lost:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.REPORT_IN_USE, "the consumer lease of the reporting database was lost "
                                    "(its database session ended); the consumer stopped, with "
                                    "everything it committed kept. Start it again"))
    stats = consumer.stats
    print(f"applied {stats.applied} events in {stats.batches} batches, "
          f"{stats.duplicates} duplicates dropped, {stats.alerts} alerts", file=sys.stderr)
    return 0


def run_rebuild(args) -> int:
    from adapters.reporting import checkpoints
    from services.audit.bootstrap import local_source, open_reporting_store, stream_source
    from services.audit.consumer import ReportConsumer
    from services.trust import trusted_keys

    settings = load_settings()
    store = open_reporting_store(settings)
    with take_lease(store, "drm report rebuild"):  # refused while a serve runs: nothing cleared
        store.clear()
        checkpoints.clear(store.engine)
        consumer = ReportConsumer(store, on_batch=_show_alerts, keys=trusted_keys(settings))
        if settings.embedded:
            consumer.catch_up_local(local_source(settings))
        else:
            consumer.follow_stream(stream_source(settings), threading.Event(),
                                   stop_when_idle=args.idle)
    stats = consumer.stats
    print(f"rebuilt from the start: {stats.applied} events, {len(consumer.ingestor.chains)} "
          f"hosts, {stats.alerts} alerts")
    return 0


def run_catalog(args) -> int:
    queries = open_queries()
    found = host_rows(queries, args.host, parse_time(args.as_of))
    entries = sorted(found.rows.get("catalog", {}).values(), key=lambda e: e["backup_id"])
    if args.json:
        emit_json({"host": args.host, "as_of": args.as_of, "seq": found.seq, "entries": entries})
    elif not entries:
        print(f"{layout.NO_BACKUP_DATA} {layout.no_backup_data()}", file=sys.stderr)
        return 1
    else:
        print("\n".join(layout.fscat_lines(entries, ())))
    return 0


def run_locks(args) -> int:
    queries = open_queries()
    hosts = [args.host] if args.host else [chain.host for chain in queries.hosts()]
    groups = []
    for host in hosts:
        found = host_rows(queries, host, parse_time(args.as_of))
        for name, group in sorted(found.rows.get("copy_groups", {}).items()):
            groups.append({"host": host, **group, "locked": bool(group.get("locked_by"))})
    if args.json:
        emit_json({"as_of": args.as_of, "copy_groups": groups})
        return 0
    print("\n".join(layout.columns(
        ("HOST", "COPY GROUP", "LOCK STATUS", "LOCKED-BY", "BACKUP-ID", "GENNAME", "STATUS"),
        [[g["host"], g["copy_group"], "LOCKED" if g["locked"] else "UNLOCKED",
          g.get("locked_by") or "-", g.get("lock_backup_id") or g.get("backup_id") or "-",
          g.get("generation") or "-", g.get("status") or "-"] for g in groups])))
    return 0


def run_maps(args) -> int:
    queries = open_queries()
    found = host_rows(queries, args.host, parse_time(args.as_of))
    volumes = [found.rows["volumes"][key] for key in sorted(found.rows.get("volumes", {}))]
    if args.json:
        emit_json({"host": args.host, "as_of": args.as_of, "volumes": volumes})
    else:
        print("\n".join(layout.maps_lines(volumes, copy_func=True)))
    return 0


def run_lineage(args) -> int:
    events = open_queries().lineage(args.original_host, args.backup_id)
    if args.json:
        emit_json({"original_host": args.original_host, "backup_id": args.backup_id,
                   "events": events})
        return 0
    if not events:
        print(f"{layout.NO_BACKUP_DATA} {layout.no_backup_data()}", file=sys.stderr)
        return 1
    print("\n".join(lineage_lines(events)))
    return 0


def run_summary(args) -> int:
    documents = summary_documents(open_queries())
    if args.json:
        emit_json({"hosts": documents})
    else:
        print("\n".join(summary_lines(documents)))
    return 0


REPORTS = {"catalog": run_catalog, "locks": run_locks, "maps": run_maps}

REPORT = LocalEntry("report", register)
