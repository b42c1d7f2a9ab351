"""Runtime settings: one typed object, read from the environment in one place (pydantic-settings).

Precedence: defaults < environment (``DRM_<FIELD>``; an empty variable counts as unset) <
explicit overrides passed to ``load_settings``. No other runtime module reads ``os.environ``;
a value that does not parse raises ``SettingsError`` naming the variable.

| key                     | default                              | meaning                               |
|-------------------------|--------------------------------------|---------------------------------------|
| DRM_BROKER_URL          | ``memory://`` (embedded mode)        | AMQP broker; ``amqp://`` = distributed |
| DRM_DATABASE_URL        | SQLite file per host under data dir  | event store; ``postgresql+psycopg://…``|
| DRM_DATA_DIR            | ``~/.local/share/drm``               | stores, lab, arrays, tape (embedded)   |
| DRM_HOSTNAME            | this machine's host name             | the host a command targets by default  |
| DRM_NAMESPACE           | ``drm``                              | prefix of every exchange and queue     |
| DRM_STREAM_URL          | none (read the log over AMQP 0-9-1)  | ``rabbitmq-stream://u:p@host:5552/vh``:|
|                         |                                      | read the shared log, stream protocol   |
| DRM_REPORT_DATABASE_URL | DRM_DATABASE_URL, else               | the audit/reporting database           |
|                         | ``<data dir>/report.db``             |                                        |
| DRM_COM_RETRY_TIME      | 0 (retry forever)                    | retries of a command waiting for the   |
|                         |                                      | host's slot, unless the lab's host says|
| DRM_COM_RETRY_WAIT      | 10 (seconds)                         | wait between those retries             |
| DRM_BROKER_SECRET_FILE  | none                                 | this component's broker user and       |
|                         |                                      | password (``drm lab credentials``):    |
|                         |                                      | replaces the URLs' user and password,  |
|                         |                                      | turns identities on                    |
| DRM_BROKER_IDENTITIES   | on with a secret file, else off      | check user_id of events and commands   |
|                         |                                      | (ADR 0006); never in embedded mode     |
| DRM_TRUSTED_KEYS        | ``<data dir>/trusted_keys.json``     | the registry of hosts' public keys     |
|                         |                                      | (signed history, ADR 0005)             |
| DRM_NODE_NAME           | this machine's host name             | the physical node an agent runs on     |
|                         |                                      | (cluster: one of the virtual server's) |
| DRM_INIT_CONF           | ``<data dir>/conf/init.conf``        | the manual's ``init.conf`` (CLU_* keys)|
| DRM_KEY_DIR             | ``<data dir>/keys``                  | this machine's secret host keys (a     |
|                         |                                      | cluster node: its node bundle's keys/) |
| HORCMINST               | none                                 | CCI's own variable: the instance the   |
|                         |                                      | pair commands name (``-I<n>`` wins)    |
| HORCC_MRCF              | none (HORC: TrueCopy/UR)             | CCI's own variable: set (not empty) =  |
|                         |                                      | MRCF, ShadowImage (``-IH``/``-IM`` win)|
| DRM_SNAPSHOT_EVERY      | 10000 (events)                       | the agent snapshots its host view when |
|                         |                                      | this many events followed the last one;|
|                         |                                      | 0 = no snapshots                       |
| DRM_SNAPSHOT_MAX_BYTES  | 1 GiB                                | larger snapshot files are not read     |
| DRM_READ_ONLY_GUARD     | ``auto``                             | how a read-only S-VOL mount refuses    |
|                         |                                      | writes: auto (bind where the agent may |
|                         |                                      | mount, else modes), bind, modes, none  |
|                         |                                      | (``adapters.storage.read_only``)       |
| DRM_COPY_SIZE           | none (DEFAULT.dat's COPY_SIZE, else  | the manual's copy pace variable, 1-15: |
|                         | CCI's default)                       | below -copy_size, above COPY_SIZE      |

``HORCMINST`` and ``HORCC_MRCF`` keep CCI's names (no ``DRM_`` prefix): scripts written for
CCI set them, and the pair commands (``paircreate`` …) read them as CCI does (ADR 0009).
"""
from __future__ import annotations

import json
import os
import socket
from contextvars import ContextVar
from pathlib import Path
from typing import Literal, Mapping
from urllib.parse import quote

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from adapters.paths import host_dir

ENV_PREFIX = "DRM_"
ENV_BROKER_URL = "DRM_BROKER_URL"
ENV_DATABASE_URL = "DRM_DATABASE_URL"
ENV_DATA_DIR = "DRM_DATA_DIR"
ENV_HOSTNAME = "DRM_HOSTNAME"
ENV_NAMESPACE = "DRM_NAMESPACE"
ENV_STREAM_URL = "DRM_STREAM_URL"
ENV_REPORT_DATABASE_URL = "DRM_REPORT_DATABASE_URL"
ENV_COM_RETRY_TIME = "DRM_COM_RETRY_TIME"
ENV_COM_RETRY_WAIT = "DRM_COM_RETRY_WAIT"
ENV_BROKER_SECRET_FILE = "DRM_BROKER_SECRET_FILE"
ENV_BROKER_IDENTITIES = "DRM_BROKER_IDENTITIES"
ENV_TRUSTED_KEYS = "DRM_TRUSTED_KEYS"
ENV_NODE_NAME = "DRM_NODE_NAME"
ENV_INIT_CONF = "DRM_INIT_CONF"
ENV_KEY_DIR = "DRM_KEY_DIR"
ENV_SNAPSHOT_EVERY = "DRM_SNAPSHOT_EVERY"
ENV_SNAPSHOT_MAX_BYTES = "DRM_SNAPSHOT_MAX_BYTES"
ENV_READ_ONLY_GUARD = "DRM_READ_ONLY_GUARD"
ENV_COPY_SIZE = "DRM_COPY_SIZE"  # the manual's own variable (spec 02 §4.6)

EMBEDDED_BROKER_URL = "memory://"
MAX_SECRET_FILE = 4096  # bytes

# The environment ``Settings`` reads: ``os.environ`` unless ``load_settings`` was given a mapping.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("drm_settings_environ", default=None)


class SettingsError(ValueError):
    """A ``DRM_*`` variable (or override) that does not parse; the message names it."""


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "drm"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True,
                                      frozen=True, extra="ignore")

    broker_url: str = EMBEDDED_BROKER_URL
    database_url: str | None = None
    data_dir: Path = Field(default_factory=_default_data_dir)
    hostname: str = Field(default_factory=socket.gethostname)
    namespace: str = "drm"
    stream_url: str | None = None
    trusted_keys: Path | None = None  # the trusted-keys registry (ADR 0005)
    report_database_url: str | None = None
    com_retry_time: int = Field(default=0, ge=0)  # retries after the first; 0 = forever
    com_retry_wait: float = Field(default=10.0, ge=0)
    broker_secret_file: Path | None = None
    broker_identities: bool | None = None  # None: on when a secret file is configured
    # EX_DRM_FTP_PUT/_GET: where each -server name listens, {"BKServer": "127.0.0.1:2121"};
    # a name not listed is dialled as itself on port 21
    ftp_addresses: dict[str, str] = Field(default_factory=dict)
    node_name: str = Field(default_factory=socket.gethostname)  # the physical node (cluster)
    init_conf: Path | None = None  # the manual's init.conf (adapters.config.init_conf)
    key_dir: Path | None = None  # where this machine's secret host keys are (keys_dir)
    # CCI's own variables (ADR 0009), read under their CCI names
    horcminst: int | None = Field(default=None, ge=0, le=2047,
                                  validation_alias=AliasChoices("HORCMINST", "horcminst"))
    horcc_mrcf: str | None = Field(default=None, max_length=16,
                                   validation_alias=AliasChoices("HORCC_MRCF", "horcc_mrcf"))
    snapshot_every: int = Field(default=10_000, ge=0, le=1 << 40)  # events; 0 = off
    snapshot_max_bytes: int = Field(default=1 << 30, ge=4096, le=1 << 40)
    read_only_guard: Literal["auto", "bind", "modes", "none"] = "auto"
    copy_size: int | None = Field(default=None, ge=1, le=15)  # DRM_COPY_SIZE (copy pace)

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        """Overrides, then the environment; no ``.env`` or secrets files are read."""
        environ = _ENVIRON.get()
        env = env_settings if environ is None else _MappingEnvSource(settings_cls, environ)
        return init_settings, env

    @property
    def embedded(self) -> bool:
        """True when no broker is configured: the CLI runs agents in-process."""
        return self.broker_url.startswith("memory://")

    @property
    def identities(self) -> bool:
        """True when consumers check ``user_id`` (ADR 0006); never in embedded mode, which has
        one process and no broker users."""
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

    @property
    def trusted_keys_file(self) -> Path:
        """The trusted-keys registry (``DRM_TRUSTED_KEYS``, else in the data directory)."""
        return self.trusted_keys or self.data_dir / "trusted_keys.json"

    @property
    def init_conf_file(self) -> Path:
        """The manual's ``init.conf`` (``DRM_INIT_CONF``, else ``<data dir>/conf/init.conf``)."""
        return self.init_conf or self.data_dir / "conf" / "init.conf"

    @property
    def keys_dir(self) -> Path:
        """Where this machine keeps its hosts' secret keys (``<keys dir>/<host>/``):
        ``DRM_KEY_DIR``, else ``<data dir>/keys``."""
        return self.key_dir or self.data_dir / "keys"

    def report_database_url_or_default(self) -> str:
        """The reporting database: its own URL, else the event store's, else ``report.db``."""
        return (self.report_database_url or self.database_url
                or f"sqlite:///{self.data_dir / 'report.db'}")


class _MappingEnvSource(EnvSettingsSource):
    """The environment source of pydantic-settings over a given mapping, not ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        fold = (lambda name: name) if self.case_sensitive else str.lower
        return {fold(name): value for name, value in self._environ.items()
                if not (self.env_ignore_empty and value == "")}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """The settings from ``environ`` (default ``os.environ``) and ``overrides`` (``None``
    values are ignored). Raises ``SettingsError`` naming each variable that does not parse."""
    token = _ENVIRON.set(os.environ if environ is None else environ)
    try:
        return with_broker_secret(Settings(**{k: v for k, v in overrides.items()
                                              if v is not None}))
    except ValidationError as error:
        raise SettingsError("; ".join(
            f"{_variable(e['loc'])}: {e['msg']}" for e in error.errors())) from None
    finally:
        _ENVIRON.reset(token)


def _variable(loc) -> str:
    """The environment variable of a settings error's location (CCI's own keep their name)."""
    name = ".".join(map(str, loc)).upper()
    return name if name in ("HORCMINST", "HORCC_MRCF") else f"{ENV_PREFIX}{name}"


def with_broker_secret(settings: Settings) -> Settings:
    """``settings`` with the user and password of ``broker_secret_file`` in the broker URLs;
    a file that is missing, too large or not ours is a ``SettingsError``."""
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
        raise SettingsError(f"{ENV_BROKER_SECRET_FILE}={path} is not a broker secret file "
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


def child_environment() -> dict[str, str]:
    """The environment a user script command starts from (its ``ENV=`` and ``DRMENV_*``
    entries are applied to a copy of it)."""
    return dict(os.environ)
