"""Runtime settings, read from the environment in one place.

Precedence: defaults < environment < explicit overrides passed to ``load_settings``.

| key               | default                              | meaning                                   |
|-------------------|--------------------------------------|-------------------------------------------|
| DRM_BROKER_URL    | ``memory://`` (embedded mode)        | AMQP broker; ``amqp://`` means distributed |
| DRM_DATABASE_URL  | SQLite file per host under data dir  | event store; ``postgresql+psycopg://…``    |
| DRM_DATA_DIR      | ``~/.local/share/drm``               | stores, lab, arrays, tape in embedded mode |
| DRM_HOSTNAME      | this machine's host name             | the host a command targets by default      |
| DRM_NAMESPACE     | ``drm``                              | prefix of every exchange and queue name    |
| DRM_STREAM_URL    | none (read the log over AMQP 0-9-1)  | ``rabbitmq-stream://u:p@host:5552/vhost``: |
|                   |                                      | read the shared log with the stream protocol |
| DRM_BROKER_SECRET_FILE | none                              | this component's broker user and password |
|                   |                                      | (``drm lab credentials``): replaces the URLs' |
|                   |                                      | user and password, turns identities on |
| DRM_BROKER_IDENTITIES | ``on`` with a secret file, else ``off`` | check user_id of events and commands, |
|                   |                                      | reply only to direct reply-to (ADR 0006) |
"""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Mapping
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from adapters.paths import host_dir

ENV_BROKER_URL = "DRM_BROKER_URL"
ENV_DATABASE_URL = "DRM_DATABASE_URL"
ENV_DATA_DIR = "DRM_DATA_DIR"
ENV_HOSTNAME = "DRM_HOSTNAME"
ENV_NAMESPACE = "DRM_NAMESPACE"
ENV_STREAM_URL = "DRM_STREAM_URL"
ENV_BROKER_SECRET_FILE = "DRM_BROKER_SECRET_FILE"
ENV_BROKER_IDENTITIES = "DRM_BROKER_IDENTITIES"

EMBEDDED_BROKER_URL = "memory://"
MAX_SECRET_FILE = 4096  # bytes


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    broker_url: str = EMBEDDED_BROKER_URL
    database_url: str | None = None
    data_dir: Path
    hostname: str
    namespace: str = "drm"
    stream_url: str | None = None
    broker_secret_file: Path | None = None
    broker_identities: bool | None = None  # None: on when a secret file is configured

    @property
    def embedded(self) -> bool:
        """True when no broker is configured: the CLI runs agents in-process."""
        return self.broker_url.startswith("memory://")

    @property
    def identities(self) -> bool:
        """True when consumers check ``user_id`` and agents reply only to direct reply-to
        (ADR 0006); never in embedded mode, which has one process and no broker users."""
        if self.embedded:
            return False
        if self.broker_identities is not None:
            return self.broker_identities
        return self.broker_secret_file is not None

    def database_url_for(self, host: str) -> str:
        """The event store URL of ``host``: the configured one, else a SQLite file per host."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{host_dir(self.data_dir, host) / 'events.db'}"


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    env = os.environ if environ is None else environ
    values: dict[str, object] = {
        "broker_url": env.get(ENV_BROKER_URL) or EMBEDDED_BROKER_URL,
        "database_url": env.get(ENV_DATABASE_URL) or None,
        "data_dir": Path(env.get(ENV_DATA_DIR) or Path.home() / ".local" / "share" / "drm")
        .expanduser().absolute(),
        "hostname": env.get(ENV_HOSTNAME) or socket.gethostname(),
        "namespace": env.get(ENV_NAMESPACE) or "drm",
        "stream_url": env.get(ENV_STREAM_URL) or None,
        "broker_secret_file": env.get(ENV_BROKER_SECRET_FILE) or None,
        "broker_identities": _switch(env.get(ENV_BROKER_IDENTITIES)),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return with_broker_secret(Settings(**values))


def _switch(text: str | None) -> bool | None:
    if not text:
        return None
    if text.lower() in ("on", "1", "true", "yes"):
        return True
    if text.lower() in ("off", "0", "false", "no"):
        return False
    raise ValueError(f"{ENV_BROKER_IDENTITIES} must be on or off, not {text!r}")


def with_broker_secret(settings: Settings) -> Settings:
    """``settings`` with the user and password of ``broker_secret_file`` in the broker URLs."""
    if settings.broker_secret_file is None or settings.embedded:
        return settings
    path = Path(settings.broker_secret_file)
    try:
        if path.stat().st_size > MAX_SECRET_FILE:
            raise ValueError(f"larger than {MAX_SECRET_FILE} bytes")
        secret = json.loads(path.read_text(encoding="utf-8"))
        user, password = secret["user"], secret["password"]
        if not isinstance(user, str) or not isinstance(password, str) or not user:
            raise ValueError("user and password must be strings")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{ENV_BROKER_SECRET_FILE}={path} is not a broker secret file "
                         f"written by drm lab credentials: {error}") from None
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
    urls = {"broker_url": _with_credentials(settings.broker_url, credentials)}
    if settings.stream_url:
        urls["stream_url"] = _with_credentials(settings.stream_url, credentials)
    return settings.model_copy(update=urls)


def _with_credentials(url: str, credentials: str) -> str:
    scheme, _, rest = url.partition("://")
    location = rest.split("@", 1)[-1]
    return f"{scheme}://{credentials}@{location}"
