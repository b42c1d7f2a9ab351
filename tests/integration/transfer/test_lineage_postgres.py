"""``drm lineage`` over one PostgreSQL store shared by both hosts (DRM_DATABASE_URL)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from projections.lineage import entries_of, lineage
from services.agent.bootstrap import build_agent
from services.cli.lineage import host_streams
from services.settings import load_settings
from tests.fs_lab import FS_HOST, FS_MOUNT, command, init_example_lab
from tests.integration.transfer.test_transfer_agents import BK, RecordingPeers, result


@pytest.fixture
def database_url(postgres_server_url):
    """A database of its own: FSServer and BKServer are host names other tests use too."""
    name = f"drm_lineage_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_lineage_reads_every_host_from_the_configured_database(tmp_path, database_url):
    init_example_lab(tmp_path)
    settings = load_settings(environ={}, data_dir=tmp_path, hostname=FS_HOST,
                             database_url=database_url)
    peers = RecordingPeers()
    fs_agent = build_agent(settings, FS_HOST, peers=peers)
    bk_agent = build_agent(settings, BK, peers=peers)
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT], backup_server=BK,
                                   auto_import=True)))
    result(bk_agent.handle(peers.sent[0]))
    streams = host_streams(settings)
    assert set(streams) == {FS_HOST, BK}
    found = lineage({h: entries_of(events) for h, events in streams.items()}, BK, "0000000001")
    assert [(e.host, e.event_type) for e in found] == [(FS_HOST, "BackupRecorded"),
                                                       (BK, "BackupImported")]
    assert found[1].source_event_hash == found[0].event_hash
    fs_agent.adapters["storage"].wait_idle(10)
