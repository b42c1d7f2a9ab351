"""Export, import and auto-import between two in-process agents on the simulated array."""
from __future__ import annotations

from dataclasses import replace
import pytest

from events.export_document import encode_document, parse_bytes, read_document, seal_document
from events.export_signature import sign_document
from projections.host_fold import rebuild
from projections.host_view import HostView
from services.agent.bootstrap import build_agent
from services.agent.transfer.peers import peer_command_id
from tests.agent_fakes import RecordingPeers
from tests.fs_lab import FS_HOST, FS_MOUNT, command, init_example_lab, settings_for

BK = "BKServer"
VG1 = "VG01,VOL01"


@pytest.fixture
def data_dir(tmp_path):
    init_example_lab(tmp_path)
    return tmp_path


@pytest.fixture
def peers():
    return RecordingPeers()


@pytest.fixture
def agents(data_dir, peers):
    fs_agent = build_agent(settings_for(data_dir), FS_HOST, peers=peers)
    bk_agent = build_agent(settings_for(data_dir), BK, peers=peers)
    yield fs_agent, bk_agent
    fs_agent.ports.storage.wait_idle(10)


def result(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def export(agent, backup_id: str) -> dict:
    document = result(agent.handle(command("ExportBackup", agent.host, backup_id=backup_id)))
    return document["document"]


def test_export_then_import_keeps_the_original_and_the_source_event(agents):
    fs_agent, bk_agent = agents
    backup_id = result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))[
        "backup_id"]
    document = export(fs_agent, backup_id)
    recorded = fs_agent.store.read(FS_HOST, fs_agent.view.catalog[backup_id].recorded_seq - 1,
                                   1)[0]
    assert document["body"]["source_event_hash"] == recorded.hash
    assert fs_agent.store.read(FS_HOST)[-2].type == "BackupExported"
    imported = result(bk_agent.handle(command("ImportBackup", BK, document=document)))
    assert (imported["backup_id"], imported["original_id"], imported["origin_host"]) == \
        ("0000000001", backup_id, FS_HOST)
    entry = bk_agent.view.catalog["0000000001"]
    assert entry.copy_groups == (VG1,) and entry.origin_host == FS_HOST
    event = next(e for e in bk_agent.store.read(BK) if e.type == "BackupImported")
    assert event.payload["source_event_hash"] == recorded.hash


def test_an_import_supersedes_and_replay_rebuilds_the_same_catalog(agents):
    fs_agent, bk_agent = agents
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    document = export(fs_agent, "0000000001")
    first = result(bk_agent.handle(command("ImportBackup", BK, document=document)))
    second = result(bk_agent.handle(command("ImportBackup", BK, document=document)))
    assert (first["backup_id"], second["backup_id"]) == ("0000000001", "0000000002")
    assert second["superseded"] == ["0000000001"]
    assert sorted(bk_agent.view.catalog) == ["0000000002"]
    replayed = rebuild(bk_agent.store, BK, HostView(BK))
    assert replayed.catalog == bk_agent.view.catalog
    assert replayed.next_backup_number == bk_agent.view.next_backup_number == 3


def test_an_altered_document_is_rejected_and_imports_nothing(agents):
    fs_agent, bk_agent = agents
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    document = export(fs_agent, "0000000001")
    document["body"]["entry"]["comment"] = "edited"
    outcome = bk_agent.handle(command("ImportBackup", BK, document=document))
    assert outcome.type == "CommandRejected" and "DRM-10072" in outcome.payload["text"]
    assert bk_agent.view.catalog == {}
    assert [e.type for e in bk_agent.store.read(BK)][-1] == "CommandRejected"


def test_an_import_onto_a_mounted_copy_group_is_refused(agents):
    fs_agent, bk_agent = agents
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    document = export(fs_agent, "0000000001")
    result(bk_agent.handle(command("MountSvol", BK, copy_group=VG1)))
    outcome = bk_agent.handle(command("ImportBackup", BK, document=document))
    assert outcome.type == "CommandRejected" and "is mounted at" in outcome.payload["text"]
    result(bk_agent.handle(command("UnmountSvol", BK, copy_group=VG1)))
    assert result(bk_agent.handle(command("ImportBackup", BK, document=document)))[
        "backup_id"] == "0000000001"


def test_an_export_of_a_missing_entry_is_refused(agents):
    fs_agent, _ = agents
    outcome = fs_agent.handle(command("ExportBackup", FS_HOST, backup_id="0000000042"))
    assert outcome.type == "CommandRejected" and outcome.payload["message_id"] == "KAVX0024-E"


def test_auto_import_records_the_intent_and_sends_one_correlated_command(agents, peers):
    fs_agent, bk_agent = agents
    backup = command("BackupFileSystem", targets=[FS_MOUNT], backup_server=BK,
                     auto_import=True)
    outcome = result(fs_agent.handle(backup))
    assert outcome["import"] == {"host": BK, "consumer_present": True,
                                 "command_id": peer_command_id(backup.command_id, "auto-import")}
    [peer] = peers.sent
    assert (peer.name, peer.target_host, peer.correlation_id, peer.causation_id) == \
        ("ImportBackup", BK, backup.command_id, backup.command_id)
    types = [e.type for e in fs_agent.store.read(FS_HOST)]
    assert types[-5:] == ["BackupRecorded", "BackupExported", "ImportRequested", "ImportSent",
                          "CommandCompleted"]
    imported = bk_agent.handle(peer)
    assert result(imported)["backup_id"] == "0000000001"
    assert {e.correlation_id for e in bk_agent.store.events_of_command(peer.command_id)} == \
        {backup.command_id}
    assert bk_agent.handle(peer).seq == imported.seq  # the same command again: nothing new
    assert sorted(bk_agent.view.catalog) == ["0000000001"]


def test_auto_import_of_an_agent_without_peers_is_refused_before_the_backup(data_dir):
    agent = build_agent(settings_for(data_dir), FS_HOST)
    agent.ports = replace(agent.ports, peers=None)
    outcome = agent.handle(command("BackupFileSystem", targets=[FS_MOUNT], backup_server=BK,
                                   auto_import=True))
    assert outcome.type == "CommandRejected" and agent.view.catalog == {}


def test_an_exported_file_round_trips_through_its_bytes(agents):
    fs_agent, _ = agents
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    document = export(fs_agent, "0000000001")
    again = read_document(parse_bytes(encode_document(read_document(document))))
    assert again.as_dict() == document


class DyingPeers(RecordingPeers):
    """The agent process dies inside the publish (nothing reaches the broker)."""

    def send(self, peer) -> bool:
        raise SystemExit("killed while publishing")


def test_an_import_left_unsent_by_a_dead_agent_is_sent_at_its_next_start(data_dir):
    dying = build_agent(settings_for(data_dir), FS_HOST, peers=DyingPeers())
    backup = command("BackupFileSystem", targets=[FS_MOUNT], backup_server=BK,
                     auto_import=True)
    with pytest.raises(SystemExit):
        dying.handle(backup)
    assert [e.type for e in dying.store.read(FS_HOST)][-1] == "ImportRequested"
    peers = RecordingPeers(present=False)
    restarted = build_agent(settings_for(data_dir), FS_HOST, peers=peers)
    [peer] = peers.sent
    assert peer.command_id == peer_command_id(backup.command_id, "auto-import")
    assert (peer.correlation_id, peer.causation_id) == (backup.command_id, backup.command_id)
    assert [e.type for e in restarted.store.read(FS_HOST)][-3:] == [
        "ImportSent", "CommandCompleted", "CommandCompleted"]  # the resend, then the backup's
    settled = restarted.store.outcome_of(backup.command_id)  # outcome: it never runs twice
    assert settled.payload["result"]["import"]["command_id"] == peer.command_id
    assert restarted.handle(backup) == settled and len(restarted.view.catalog) == 1
    build_agent(settings_for(data_dir), FS_HOST, peers=peers)  # nothing left to send
    assert len(peers.sent) == 1
    bk_agent = build_agent(settings_for(data_dir), BK, peers=peers)
    assert result(bk_agent.handle(peer))["source_backup_id"] == "0000000001"
    restarted.ports.storage.wait_idle(10)


def test_an_entry_on_copy_groups_the_backup_server_does_not_know_is_refused(agents):
    fs_agent, bk_agent = agents
    result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    document = read_document(export(fs_agent, "0000000001"))
    entry = document.body.entry.model_dump(mode="json")
    entry["copy_groups"] = [VG1, "XX01,VOL09"]
    foreign = sign_document(seal_document(entry, FS_HOST, document.body.source_event_seq,
                                          document.body.source_event_hash,
                                          document.body.exported_at), fs_agent.store.signer)
    outcome = bk_agent.handle(command("ImportBackup", BK, document=foreign.as_dict()))
    assert outcome.type == "CommandRejected"
    assert "XX01,VOL09" in outcome.payload["text"] and VG1 + "," not in outcome.payload["text"]
    assert bk_agent.view.catalog == {}


def test_auto_import_to_the_host_itself_is_refused_before_the_backup(agents, peers):
    fs_agent, _ = agents
    outcome = fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT],
                                      backup_server="fsserver", auto_import=True))
    assert outcome.type == "CommandRejected" and "another host" in outcome.payload["text"]
    assert fs_agent.view.catalog == {} and peers.sent == []
