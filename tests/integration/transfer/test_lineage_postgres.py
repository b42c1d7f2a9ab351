"""``drm lineage`` over one PostgreSQL store shared by both hosts (DRM_DATABASE_URL)."""
from __future__ import annotations


import pytest

from projections.lineage import entries_of, lineage
from services.agent.bootstrap import build_agent
from services.cli.lineage import host_streams
from services.settings import load_settings
from tests.fs_lab import FS_HOST, FS_MOUNT, command, init_example_lab
from tests.integration.transfer.test_transfer_agents import BK, RecordingPeers, result
from tests.services import scratch_database


@pytest.fixture
def database_url(postgres_server_url):
    """A database of its own: FSServer and BKServer are host names other tests use too."""
    with scratch_database(postgres_server_url, "drm_lineage") as url:
        yield url


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
    fs_agent.ports.storage.wait_idle(10)
