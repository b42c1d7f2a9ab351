"""What ``drm report`` and ``drm audit`` share: the reporting store, brought up to date from the
hosts' local stores in the embedded mode, times given on the command line, host views as of a
time (the same fold as the live views), and the untrusted-views warning."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

from adapters.reporting.lease import ConsumerLease, LeaseHeld
from adapters.reporting.queries import ReportQueries
from adapters.reporting.store import ReportingStore
from projections.reporting.folding import fold_rows
from projections.reporting.view_rows import view_rows
from services import messages
from services.audit.bootstrap import local_source, open_reporting_store
from services.audit.consumer import ReportConsumer
from services.cli.errors import CliError
from services.settings import load_settings


def usage(text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR, messages.error_text(messages.BAD_COMMAND, text))


def parse_time(text: str | None) -> datetime | None:
    """ISO 8601; a time without an offset is the operator's local time."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise usage(f"not an ISO 8601 time: {text!r}") from None
    return moment.astimezone(timezone.utc)


CATCH_UP_WAIT = 10.0  # seconds an embedded report waits for another one's catch-up
SERVE = "drm report serve"


def take_lease(store: ReportingStore, purpose: str, wait: float = 0.0) -> ConsumerLease:
    """The reporting database's consumer lease, or the refusal ``KAVX0006-E (DRM-90007)``."""
    try:
        return ConsumerLease(store.engine, purpose).acquire(wait)
    except LeaseHeld as held:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.REPORT_IN_USE, f"{held}; {purpose} needs it alone. Stop the other "
                                    f"consumer first, or use another reporting database")) from None


def open_queries() -> ReportQueries:
    """The reporting store; in the embedded mode first caught up from the local stores."""
    settings = load_settings()
    store = open_reporting_store(settings)
    if settings.embedded:
        _catch_up(store, settings)
    return ReportQueries(store)


def _catch_up(store: ReportingStore, settings) -> None:
    """The catch-up writes, so it holds the consumer lease while it runs, waiting up to
    ``CATCH_UP_WAIT`` for another report's catch-up. When a ``drm report serve`` holds the
    lease, that consumer brings the store up to date: the report reads the store as it is."""
    lease = ConsumerLease(store.engine, "drm report")
    try:
        try:
            lease.acquire()
        except LeaseHeld as held:
            if (held.holder or "").startswith(SERVE):
                raise
            lease.acquire(CATCH_UP_WAIT)
    except LeaseHeld as held:
        print(f"{messages.REPORT_IN_USE} NOTE: {held}; the report shows the reporting store "
              f"as that consumer keeps it, without catching up here", file=sys.stderr)
        return
    with lease:
        ReportConsumer(store).catch_up_local(local_source(settings))


@dataclass
class HostRows:
    host: str
    rows: dict[str, dict[str, Any]]  # view -> key -> document
    seq: int


def host_rows(queries: ReportQueries, host: str, as_of: datetime | None) -> HostRows:
    """The reported rows of ``host`` now (the live tables) or as of ``as_of`` (its stored
    events up to that time, folded by ``projections.host_fold``)."""
    if queries.chain(host) is None:
        raise usage(f"no events of host {host} in the reporting store")
    if as_of is None:
        flat = queries.view_rows(host)
    else:
        flat = view_rows(fold_rows(host, queries.store.folded_events(host, until=as_of)))
    rows: dict[str, dict[str, Any]] = {}
    for (view, key), text in flat.items():
        rows.setdefault(view, {})[key] = orjson.loads(text)
    seq = rows.get("host", {}).get("", {}).get("seq", 0)
    warn_untrusted(queries, host, seq)
    return HostRows(host, rows, seq)


def warn_untrusted(queries: ReportQueries, host: str, seq: int) -> None:
    chain = queries.chain(host)
    if chain and chain.untrusted_from is not None and chain.untrusted_from <= seq:
        print(f"{messages.STORE_INTEGRITY} WARNING: the views of host {host} are untrusted "
              f"from seq {chain.untrusted_from} ({chain.untrusted_reason}); "
              f"see drm audit verify --host {host}", file=sys.stderr)
