"""``drm lineage <backup-ID> [--host H]``: the entries on every host that descend from the same
original backup, each with the event that created it; then their history, every event that
acted on them (a SQL backup's freeze, split and thaw, its metafiles, the log backups of its
chain, restores, roll-forwards and database states: ``projections.lineage_history``).

The CLI reads the hosts' stores directly (read only, no agent involved): with
``DRM_DATABASE_URL`` the one database that holds every host's stream, else the per-host SQLite
stores under ``DRM_DATA_DIR/hosts/*/events.db``. Both modes use the same stores the agents
write, so the answer is the same embedded or distributed when the data directory (or the
database) is shared; stores on other machines are not reached.
"""
from __future__ import annotations

import argparse

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from events.canonical import format_timestamp
from projections.lineage import LineageEntry, entries_of, lineage
from projections.lineage_history import HistoryEvent, history
from services import messages
from services.cli.entries import LocalEntry
from services.cli.errors import CliError
from services.cli.hosts import require_known
from services.cli.filesystem_args import check_backup_id
from services.cli.output import emit_json, table
from services.settings import Settings, load_settings

HEADERS = ("HOST", "SEQ", "BACKUP-ID", "ORIGINAL-ID", "HOSTNAME", "MEDIA", "LIVE", "EVENT",
           "SOURCE", "EVENT-HASH")
HISTORY_HEADERS = ("HOST", "SEQ", "TIME", "EVENT", "BACKUP-ID", "DETAIL")
NOT_FOUND = messages.NO_BACKUP_DATA


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "lineage", help="every entry on every host descending from the same original backup",
        description="List, in the order they were recorded, the catalog entries on every "
                    "reachable host that carry the same original backup as <backup-ID> on "
                    "--host, with the event that created each (host, seq, type, hash).")
    parser.add_argument("backup_id", help="a backup ID of --host (10 digits)")
    parser.add_argument("--host", help="the host of that backup ID (default: DRM_HOSTNAME)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=run_lineage)


def host_streams(settings: Settings) -> dict[str, list]:
    """Every reachable host's events (see the module docstring)."""
    if settings.database_url:
        store = SqlEventStore(make_engine(settings.database_url))
        return {host: store.read(host) for host in store.hosts()}
    streams = {}
    for path in sorted((settings.data_dir / "hosts").glob("*/events.db")):
        engine = make_engine(f"sqlite:///{path}")
        try:
            store = SqlEventStore(engine)
            streams.update({host: store.read(host) for host in store.hosts()})
        finally:
            engine.dispose()
    return streams


def as_dict(entry: LineageEntry) -> dict:
    return {"host": entry.host, "seq": entry.seq, "event_type": entry.event_type,
            "event_hash": entry.event_hash, "occurred_at": format_timestamp(entry.occurred_at),
            "backup_id": entry.backup_id, "original_id": entry.original_id,
            "origin_host": entry.origin_host, "media": entry.media, "live": entry.live,
            "source_host": entry.source_host, "source_backup_id": entry.source_backup_id,
            "source_event_hash": entry.source_event_hash}


def history_dict(event: HistoryEvent) -> dict:
    return {"host": event.host, "seq": event.seq, "event_type": event.event_type,
            "event_hash": event.event_hash, "occurred_at": format_timestamp(event.occurred_at),
            "backup_id": event.backup_id, "workflow_id": event.workflow_id,
            "detail": event.detail}


def history_lines(events: list[HistoryEvent]) -> list[str]:
    """The history section: what acted on the lineage's entries (issue 13)."""
    if not events:
        return []
    rows = [(e.host, e.seq, format_timestamp(e.occurred_at), e.event_type, e.backup_id or "-",
             e.detail or "-") for e in events]
    return ["", "HISTORY", *table(HISTORY_HEADERS, rows)]


def lines_of(found: list[LineageEntry]) -> list[str]:
    rows = [(e.host, e.seq, e.backup_id, e.original_id, e.origin_host, e.media or "-",
             "yes" if e.live else "no", e.event_type,
             f"{e.source_host}/{e.source_backup_id}" if e.source_host else "-", e.event_hash)
            for e in found]
    return table(HEADERS, rows)


def run_lineage(args: argparse.Namespace) -> int:
    check_backup_id(args.backup_id)
    settings = load_settings()
    host = require_known(settings, args.host or settings.hostname)
    streams = host_streams(settings)
    entries = {name: entries_of(events) for name, events in streams.items()}
    found = lineage(entries, host, args.backup_id)
    if not found:
        raise CliError(NOT_FOUND, f"{messages.text(NOT_FOUND)} "
                                  f"(backup ID = {args.backup_id}, host = {host})")
    events = history(streams, found)
    if args.json:
        emit_json({"host": host, "backup_id": args.backup_id,
                   "lineage": [as_dict(e) for e in found],
                   "history": [history_dict(e) for e in events]})
    else:
        for line in [*lines_of(found), *history_lines(events)]:
            print(line)
    return 0


LINEAGE = LocalEntry("lineage", register)
