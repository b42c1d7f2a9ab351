"""Where the real services for the tests come from.

Order: ``DRM_TEST_AMQP_URL`` / ``DRM_TEST_DATABASE_URL`` when set; else a testcontainers
container when a container engine answers; else the test is skipped with the reason shown,
or fails when ``DRM_REQUIRE_SERVICES=1`` (as in CI).
"""
from __future__ import annotations

import contextlib
import os
import socket
import uuid
from typing import Iterator
from urllib.parse import urlparse

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REQUIRE = os.environ.get("DRM_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"DRM_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1",
                                       parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def docker_available() -> bool:
    try:
        import docker  # type: ignore[import-not-found]

        docker.from_env().ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no engine"
        return False


def sqlalchemy_postgres_url(url: str) -> str:
    for prefix in ("postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@contextlib.contextmanager
def sqlite_or_scratch_postgres(kind: str, tmp_path, server_url, file_name: str):
    """An engine on a fresh SQLite file (``kind`` "sqlite") or a scratch PostgreSQL database
    (``server_url``: a callable giving the server's URL, asked only for PostgreSQL); disposed
    (and the database dropped) afterwards. The migration tests run on both."""
    from adapters.db import make_engine

    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / file_name}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    with scratch_database(server_url(), "drm_mig") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@contextlib.contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database named ``<prefix>_<random>``, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
