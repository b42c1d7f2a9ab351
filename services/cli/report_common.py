"""What ``drm report`` and ``drm audit`` share: the reporting store, brought up to date from the
hosts' local stores in the embedded mode, times given on the command line, host views as of a
time (the same fold as the live views), and the untrusted-views warning."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

from adapters.db import make_engine
from adapters.reporting.lease import ConsumerLease, LeaseHeld
from adapters.reporting.queries import ReportQueries, open_for_reading
from adapters.reporting.store import ReportingStore
from projections.reporting.ingest import HostChain
from projections.reporting.view_rows import view_rows
from services import messages
from services.audit.bootstrap import report_database_url
from services.cli.errors import CliError
from services.settings import load_settings


def usage(text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR, messages.error_text(messages.BAD_COMMAND, text))


def parse_time(text: str | None) -> datetime | None:
    """ISO 8601; a time without an offset is the operator's local time."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).astimezone(timezone.utc)
    except (ValueError, OverflowError):  # not a time, or one the UTC conversion cannot reach
        raise usage(f"not an ISO 8601 time between the years 1 and 9999: {text!r}") from None


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
    """The reporting store; in the embedded mode first caught up from the local stores (the
    consumer's path, migrations included), else only read (see ``open_for_reading``)."""
    settings = load_settings()
    if not settings.embedded:
        return open_for_reading(make_engine(report_database_url(settings)))
    from services.audit.bootstrap import open_reporting_store

    store = open_reporting_store(settings)
    _catch_up(store, settings)
    return ReportQueries(store)


def _catch_up(store: ReportingStore, settings) -> None:
    """The catch-up writes, so it holds the consumer lease while it runs, waiting up to
    ``CATCH_UP_WAIT`` for another report's catch-up. When a ``drm report serve`` holds the
    lease, that consumer brings the store up to date: the report reads the store as it is."""
    from services.audit.bootstrap import local_source
    from services.audit.consumer import ReportConsumer
    from services.trust import trusted_keys

    lease = ConsumerLease(store.engine, "drm report")
    try:
        try:
            lease.acquire()
        except LeaseHeld as held:
            if (held.holder or "").startswith(SERVE):
                raise
            lease.acquire(CATCH_UP_WAIT)
    except LeaseHeld as held:
        print(messages.line(messages.REPORT_NOT_CAUGHT_UP, holder=held), file=sys.stderr)
        return
    with lease:
        ReportConsumer(store, keys=trusted_keys(settings)).catch_up_local(local_source(settings))


@dataclass
class HostRows:
    host: str
    rows: dict[str, dict[str, Any]]  # view -> key -> document
    seq: int


def host_rows(queries: ReportQueries, host: str, as_of: datetime | None) -> HostRows:
    """The reported rows of ``host`` now (the live tables) or as of ``as_of`` (its stored
    events up to that time, folded by ``projections.host_fold``, from a checkpoint when one
    is usable: ``ReportQueries.view_as_of``)."""
    chain = queries.chain(host)
    if chain is None:
        raise usage(f"no events of host {host} in the reporting store")
    if as_of is None:
        flat = queries.view_rows(host)
    else:
        flat = view_rows(queries.view_as_of(chain, as_of))
    rows: dict[str, dict[str, Any]] = {}
    for (view, key), text in flat.items():
        rows.setdefault(view, {})[key] = orjson.loads(text)
    seq = rows.get("host", {}).get("", {}).get("seq", 0)
    warn_untrusted(chain, seq)
    return HostRows(host, rows, seq)


def warn_untrusted(chain: HostChain | None, seq: int) -> None:
    if chain and chain.untrusted_from is not None and chain.untrusted_from <= seq:
        print(messages.line(messages.VIEWS_UNTRUSTED, host=chain.host, seq=chain.untrusted_from,
                            reason=chain.untrusted_reason), file=sys.stderr)
