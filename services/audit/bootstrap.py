"""Composition root of the audit consumer: the reporting store and the source of events.

Reporting database, in order: ``DRM_REPORT_DATABASE_URL``, else ``DRM_DATABASE_URL``, else
``<DRM_DATA_DIR>/report.db`` (SQLite). Source: the RabbitMQ stream ``<ns>.events.log`` when a
broker is configured, else the hosts' local stores under ``DRM_DATA_DIR`` (embedded mode).
With a broker, gaps are asked for again over the command exchange (``gap_requests``).
Nothing here runs at import time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.db import make_engine
from adapters.reporting.store import ReportingStore
from services.settings import Settings

if TYPE_CHECKING:  # imported where used: a report that only reads needs no log reader or alembic
    from adapters.reporting.sources import LocalStoresSource, StreamSource
    from services.audit.gap_requests import GapRequests


def report_database_url(settings: Settings) -> str:
    """See the module docstring; the order is ``Settings.report_database_url_or_default``."""
    return settings.report_database_url_or_default()


def open_reporting_store(settings: Settings, url: str | None = None) -> ReportingStore:
    from adapters.migrations import upgrade

    engine = make_engine(url or report_database_url(settings))
    upgrade(engine)
    return ReportingStore(engine)


def stream_source(settings: Settings, batch_size: int = 5000) -> StreamSource:
    from adapters.messaging.topology import Topology
    from adapters.reporting.sources import StreamSource

    from adapters.messaging.identities import Identities

    return StreamSource(settings.broker_url, Topology(settings.namespace).event_log_name,
                        batch_size=batch_size, stream_url=settings.stream_url,
                        identities=Identities(settings.identities))


def local_source(settings: Settings) -> LocalStoresSource:
    from adapters.reporting.sources import LocalStoresSource

    return LocalStoresSource(settings.data_dir, settings.database_url)


def gap_requests(settings: Settings, store: ReportingStore) -> GapRequests:
    """Asks hosts' agents, over the command exchange, to publish their missing ranges again."""
    from adapters.messaging.connection import open_connection
    from adapters.messaging.republish import CommandSender
    from adapters.messaging.topology import Topology
    from adapters.reporting.heal_store import HealStore
    from services.audit.gap_requests import GapRequests

    from adapters.messaging.identities import principal_for

    sender = CommandSender(lambda: open_connection(settings.broker_url),
                           Topology(settings.namespace, managed=settings.identities))
    user = open_connection(settings.broker_url).userid  # no I/O: the user the URL names
    principal = principal_for(user, "drm-report", f"drm-report@{settings.hostname}")
    return GapRequests(HealStore(store).missing_ranges, sender.send, principal=principal)
