"""Shared fixtures: real RabbitMQ and PostgreSQL, isolated per test session or per test."""
from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse

import pytest

from adapters.storage.kernel_mounts import mounts_under, unbind
from tests.broker import BrokerNamespace
from tests.services import (answers, docker_available, scratch_database,
                            sqlalchemy_postgres_url, unavailable)
from tests.tcp_proxy import TcpProxy


def _unbind_all(root) -> None:
    for point in mounts_under(root):
        unbind(point)


@pytest.fixture(autouse=True)
def read_only_views_unbound(request):
    """The read-only bind mounts a test left (a read-only S-VOL mount it never unmounted, in
    this process or an agent it started) are detached after it, so tmp directories can be
    removed and the host's mount table does not grow (``adapters.storage.read_only``)."""
    tmp_path = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames \
        else None
    yield
    if tmp_path is not None:
        _unbind_all(tmp_path)


@pytest.fixture(autouse=True, scope="session")
def read_only_views_unbound_at_the_end(tmp_path_factory):
    """Also those of fixtures shared by several tests, at the end of the session."""
    yield
    _unbind_all(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def amqp_url():
    url = os.environ.get("DRM_TEST_AMQP_URL")
    if url:
        if not answers(url, 5672):
            unavailable(f"RabbitMQ at DRM_TEST_AMQP_URL={url} does not answer")
        yield url
        return
    if not docker_available():
        unavailable("no RabbitMQ: DRM_TEST_AMQP_URL is not set and no container engine answers")
    from testcontainers.rabbitmq import RabbitMqContainer

    with RabbitMqContainer("rabbitmq:3.13") as container:
        params = container.get_connection_params()
        yield f"amqp://guest:guest@{params.host}:{params.port}//"


@pytest.fixture(scope="session")
def stream_url(amqp_url):
    """The broker's stream-protocol URL (plugin ``rabbitmq_stream``): ``DRM_TEST_STREAM_URL``,
    else port 5552 of the AMQP broker's host when it answers there."""
    url = os.environ.get("DRM_TEST_STREAM_URL")
    if not url:
        parsed = urlparse(amqp_url)
        url = f"rabbitmq-stream://{parsed.netloc.split('@')[0]}@{parsed.hostname}:5552/%2f"
    if not answers(url, 5552):
        unavailable(f"no RabbitMQ stream protocol at {url.split('@')[-1]} (enable the "
                    f"rabbitmq_stream plugin, or set DRM_TEST_STREAM_URL)")
    return url


@pytest.fixture(scope="session")
def postgres_server_url():
    url = os.environ.get("DRM_TEST_DATABASE_URL")
    if url:
        if not answers(url, 5432):
            unavailable(f"PostgreSQL at DRM_TEST_DATABASE_URL={url} does not answer")
        yield sqlalchemy_postgres_url(url)
        return
    if not docker_available():
        unavailable("no PostgreSQL: DRM_TEST_DATABASE_URL is not set and no container engine "
                    "answers")
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16", driver="psycopg") as container:
        yield container.get_connection_url()


@pytest.fixture(scope="session")
def postgres_url(postgres_server_url):
    """A fresh database for this test session, dropped at the end."""
    with scratch_database(postgres_server_url, "drm_test") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'events.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url):
    from adapters.db import make_engine
    from adapters.event_store import SqlEventStore
    from adapters.migrations import upgrade

    engine = make_engine(store_url)
    upgrade(engine)
    yield SqlEventStore(engine)
    engine.dispose()


@pytest.fixture
def host():
    """A host name no other test uses (the PostgreSQL database is shared by the session)."""
    return f"host-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def broker(amqp_url):
    namespace = BrokerNamespace(amqp_url)
    yield namespace
    namespace.cleanup()


@pytest.fixture
def broker_proxy(amqp_url):
    """A cuttable TCP path to the broker, and the broker URL that goes through it."""
    parsed = urlparse(amqp_url)
    proxy = TcpProxy(parsed.hostname or "127.0.0.1", parsed.port or 5672).start()
    url = amqp_url.replace(parsed.netloc.split("@")[-1], f"127.0.0.1:{proxy.port}")
    yield proxy, url
    proxy.stop()
