"""Which hosts the CLI knows, so that a mistyped ``--host`` is named as such.

A host is known when the lab loaded in ``DRM_DATA_DIR`` defines it, or when it has an event
store (a ``hosts/<host>/events.db`` under ``DRM_DATA_DIR``, or a stream in the database of
``DRM_DATABASE_URL``), or when it is this CLI's own host (``DRM_HOSTNAME``: its store is made on
first use). The check is made where the CLI itself would otherwise create or read a store: the
embedded mode (whose in-process agent would make a store for any name) and the commands that read
stores directly (``drm log``, ``drm verify``, ``drm lineage``). A command sent over RabbitMQ is not
checked: an agent may serve a host this machine knows nothing of, and a command for a host
whose agent is not running stays queued for it (the timeout message says so).
"""
from __future__ import annotations

from services import messages
from services.cli.errors import CliError
from services.settings import Settings

UNKNOWN_HOST = messages.WRONG_HOST  # DRM-90002: the host is not one this system knows


def known_hosts(settings: Settings) -> set[str]:
    from adapters.lab.provision import stored_lab

    known = {settings.hostname}
    lab = stored_lab(settings.data_dir)
    if lab is not None:
        known.update(host.name for host in lab.hosts)
    known.update(path.parent.name for path in (settings.data_dir / "hosts").glob("*/events.db"))
    if settings.database_url:
        known.update(_database_hosts(settings.database_url))
    return known


def _database_hosts(url: str) -> list[str]:
    from adapters.db import make_engine
    from adapters.event_store import SqlEventStore

    engine = make_engine(url)
    try:
        return SqlEventStore(engine).hosts()
    except Exception:  # noqa: BLE001 - a database not set up yet holds no host
        return []
    finally:
        engine.dispose()


def require_known(settings: Settings, host: str) -> str:
    """``host``, or the error that names it unknown (``KAVX0006-E`` with ``DRM-90002``)."""
    if host == settings.hostname:
        return host
    known = known_hosts(settings)
    if host not in known:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            UNKNOWN_HOST, f"the host {host} is unknown: it is neither a host of the lab nor a "
                          f"host with an event store (known: {', '.join(sorted(known))})"))
    return host
