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
| DRM_TRUSTED_KEYS  | ``<data dir>/trusted_keys.json``     | the registry of hosts' public keys (ADR 0005) |
"""
from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Mapping

from pydantic import BaseModel, ConfigDict

ENV_BROKER_URL = "DRM_BROKER_URL"
ENV_DATABASE_URL = "DRM_DATABASE_URL"
ENV_DATA_DIR = "DRM_DATA_DIR"
ENV_HOSTNAME = "DRM_HOSTNAME"
ENV_NAMESPACE = "DRM_NAMESPACE"
ENV_STREAM_URL = "DRM_STREAM_URL"
ENV_TRUSTED_KEYS = "DRM_TRUSTED_KEYS"

EMBEDDED_BROKER_URL = "memory://"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    broker_url: str = EMBEDDED_BROKER_URL
    database_url: str | None = None
    data_dir: Path
    hostname: str
    namespace: str = "drm"
    stream_url: str | None = None
    trusted_keys: Path | None = None

    @property
    def embedded(self) -> bool:
        """True when no broker is configured: the CLI runs agents in-process."""
        return self.broker_url.startswith("memory://")

    def database_url_for(self, host: str) -> str:
        """The event store URL of ``host``: the configured one, else a SQLite file per host."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'hosts' / host / 'events.db'}"

    @property
    def trusted_keys_file(self) -> Path:
        """The trusted-keys registry (``DRM_TRUSTED_KEYS``, else in the data directory)."""
        return self.trusted_keys or self.data_dir / "trusted_keys.json"

    @property
    def keys_dir(self) -> Path:
        """Where this machine keeps its hosts' secret keys (``<data dir>/keys/<host>/``)."""
        return self.data_dir / "keys"


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
        "trusted_keys": Path(env[ENV_TRUSTED_KEYS]).expanduser().absolute()
        if env.get(ENV_TRUSTED_KEYS) else None,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
