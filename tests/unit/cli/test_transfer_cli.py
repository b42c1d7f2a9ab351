"""drmdbexport, drmdbimport and drmfsbackup -auto_import against a scripted runner."""
from __future__ import annotations

import json

import orjson

import pytest

from adapters.keys import KeyStore
from events.canonical import canonical_bytes, sha256_hex
from events.export_document import encode_document, read_document, seal_document
from events.export_signature import sign_document
from tests.unit.agent_fs.views import T0, recorded
from tests.unit.cli.fakes import FakeRunner, completed, rejected

MP, BK = "/mnt/fs1", "BKServer"
PEER = "11111111-2222-3333-4444-555555555555"


class TransferRunner(FakeRunner):
    """Also answers ``wait_for`` (the import's outcome, sent to the CLI's reply queue)."""

    def __init__(self, *answers, imported=None) -> None:
        super().__init__(*answers)
        self.imported, self.awaited = imported, []

    def wait_for(self, command_id, host, timeout, progress=None):
        self.awaited.append((command_id, host))
        return self.imported


def document(source_host: str = "FSServer") -> dict:
    entry = recorded("0000000001", ["VG01,VOL01"]).model_dump(mode="json")
    return seal_document(entry, source_host, 5, "ab" * 32, T0).as_dict()


def backed_up(present: bool = True):
    return completed("BackupFileSystem", backup_id="0000000004",
                     **{"import": {"host": BK, "command_id": PEER, "consumer_present": present}})


def auto_import(run, runner, *extra):
    return run(["fsbackup", MP, "-s", BK, "-auto_import", *extra], runner)


def test_auto_import_sends_the_server_and_shows_the_imported_id(run):
    runner = TransferRunner(backed_up(), imported=completed(
        "ImportBackup", backup_id="0000000002", dictionary="/data/hosts/BKServer"))
    ran = auto_import(run, runner)
    assert ran.code == 0, ran.err
    assert runner.calls == [("BackupFileSystem", "FSServer", {
        "targets": [MP], "mode": "online", "generation": None, "comment": "",
        "backup_server": BK, "auto_import": True, "auto_mount": None,
        "copy_parameters": None, "script": None})]
    assert runner.awaited == [(PEER, BK)]
    assert ran.lines[1:-1] == [
        "KAVX0040-I The backup ID has been assigned as follows: Backup ID = 0000000004",
        "KAVX5156-I The backup catalog will now be exported.",
        "KAVX5157-I The backup catalog was exported.",
        "KAVX5158-I The backup catalog will now be imported. Host name = BKServer",
        "KAVX5159-I The backup catalog has been imported.",
        "Dictionary map file path = /data/hosts/BKServer",
        "Imported backup ID = 0000000002"]


def test_auto_mount_is_sent_and_its_mounts_shown(run):
    runner = TransferRunner(backed_up(), imported=completed(
        "ImportBackup", backup_id="0000000002", mount={"backup_id": "0000000002", "mounts": [
            {"copy_group": "VG01,VOL01", "mount_point": "/bk/vg01", "read_only": True}]}))
    ran = auto_import(run, runner, "-auto_mount", "/bk/vg01")
    assert runner.calls[0][2]["auto_mount"] == "/bk/vg01"
    assert ran.lines[-4:-1] == [
        "KAVX5162-I The secondary volume will now be mounted. Host name = BKServer "
        "Imported backup ID = 0000000002", "Mount point = /bk/vg01",
        "KAVX5163-I The secondary volume has been mounted."]


def test_a_bare_auto_mount_asks_for_the_default_mount_point(run):
    runner = TransferRunner(backed_up(), imported=completed("ImportBackup", backup_id="1" * 10))
    auto_import(run, runner, "-auto_mount")
    assert runner.calls[0][2]["auto_mount"] == ""


def test_without_an_agent_on_the_backup_server_the_import_is_pending(run):
    runner = TransferRunner(backed_up(present=False))
    ran = auto_import(run, runner)
    assert ran.code == 0 and runner.awaited == []
    assert ran.lines[-2].startswith("DRMX1080-W The import on BKServer is pending")
    assert PEER in ran.lines[-2]


def test_an_import_not_answered_in_time_is_pending(run):
    runner = TransferRunner(backed_up(), imported=None)
    ran = auto_import(run, runner)
    assert ran.code == 0 and "DRMX1080-W" in ran.out and runner.awaited == [(PEER, BK)]


def test_a_refused_import_fails_the_command_after_showing_the_backup(run):
    runner = TransferRunner(backed_up(), imported=rejected(
        "ImportBackup", "KAVX0006-E", "(DRM-10011: this host does not know XX,YY)"))
    ran = auto_import(run, runner)
    assert ran.code == 1
    assert "Backup ID = 0000000004" in ran.out and "KAVX5158-I" in ran.out
    assert ran.err.startswith("KAVX0006-E the import on BKServer failed") and "XX,YY" in ran.err
    assert ran.lines[-1] == "KAVX0002-I The drmfsbackup command will now end."


def test_json_output_holds_the_backup_and_the_import(run):
    runner = TransferRunner(backed_up(), imported=completed("ImportBackup", backup_id="2" * 10))
    ran = auto_import(run, runner, "--json")
    answer = json.loads(ran.out)
    assert answer["backup"]["payload"]["result"]["backup_id"] == "0000000004"
    assert answer["import"]["payload"]["result"]["backup_id"] == "2" * 10


def test_drmdbexport_writes_the_sealed_document(run, tmp_path):
    path = tmp_path / "out.drm"
    runner = FakeRunner(completed("ExportBackup", backup_id="0000000001", document=document()))
    ran = run(["dbexport", "0000000001", "-f", str(path)], runner)
    assert ran.code == 0 and runner.calls == [("ExportBackup", "FSServer",
                                               {"backup_id": "0000000001"})]
    assert orjson.loads(path.read_bytes()) == document()
    assert ran.lines == ["KAVX0001-I The drmdbexport command will now start.",
                         "KAVX0002-I The drmdbexport command will now end."]


def test_drmdbexport_of_a_missing_entry_writes_nothing(run, tmp_path):
    path = tmp_path / "out.drm"
    runner = FakeRunner(rejected("ExportBackup", "KAVX0024-E", "no data"))
    ran = run(["dbexport", "0000000009", "-f", str(path)], runner)
    assert ran.code == 1 and not path.exists() and ran.err.startswith("KAVX0024-E")


def test_drmdbexport_to_a_directory_that_does_not_exist_is_an_error(run, tmp_path):
    runner = FakeRunner(completed("ExportBackup", backup_id="0000000001", document=document()))
    ran = run(["dbexport", "0000000001", "-f", str(tmp_path / "no" / "x.drm")], runner)
    assert ran.code == 1 and "DRM-10073" in ran.err


def signed_document(tmp_path, host: str = "FSServer") -> dict:
    """``document()`` signed by ``host``'s key, registered where the CLI looks (the data dir)."""
    keys = KeyStore(tmp_path / "data" / "keys", tmp_path / "data" / "trusted_keys.json")
    return sign_document(read_document(document(host)), keys.signer(host)).as_dict()


def test_drmdbimport_sends_the_checked_document_to_the_host(run, tmp_path):
    path = tmp_path / "in.drm"
    signed = signed_document(tmp_path)
    path.write_bytes(encode_document(read_document(signed)))
    runner = FakeRunner(completed("ImportBackup", backup_id="0000000003"))
    ran = run(["dbimport", "-f", str(path), "--host", BK], runner)
    assert ran.code == 0, ran.err
    [(name, host, args)] = runner.calls
    assert (name, host, args["document"]) == ("ImportBackup", BK, signed)
    assert ran.lines[1:3] == ["KAVX0418-I Backup information from the specified file was "
                              "imported into the backup catalog.",
                              "Imported backup ID = 0000000003"]


def resealed(value: dict) -> dict:
    """``value`` with its body hash recomputed, as someone who edited the body would."""
    return {**value, "body_sha256": sha256_hex(canonical_bytes(value["body"]))}


@pytest.mark.parametrize("forgery", ["unsigned", "edited and re-sealed", "another origin host",
                                     "signed by another host", "unknown key"])
def test_drmdbimport_refuses_a_document_its_source_host_did_not_sign(run, tmp_path, forgery):
    value = signed_document(tmp_path)
    if forgery == "unsigned":
        del value["signature"]
    elif forgery == "edited and re-sealed":
        value["body"]["entry"]["instances"] = ["/etc"]
        value = resealed(value)
    elif forgery == "another origin host":
        value["body"]["source_host"] = "Elsewhere"
        value = resealed(value)
    elif forgery == "signed by another host":  # a genuine signature of another document
        value = {**value, "signature": signed_document(tmp_path, "Elsewhere")["signature"]}
    else:
        stranger = KeyStore(tmp_path / "other", tmp_path / "other.json").signer("FSServer")
        value = sign_document(read_document(document()), stranger).as_dict()
    path = tmp_path / "in.drm"
    path.write_bytes(orjson.dumps(value))
    runner = FakeRunner()
    ran = run(["dbimport", "-f", str(path)], runner)
    assert ran.code == 1 and runner.calls == [] and "DRM-10074" in ran.err, ran.err


def test_drmdbimport_of_an_edited_file_sends_nothing(run, tmp_path):
    value = document()
    value["body"]["source_host"] = "Elsewhere"
    path = tmp_path / "in.drm"
    path.write_bytes(orjson.dumps(value))
    runner = FakeRunner()
    ran = run(["dbimport", "-f", str(path)], runner)
    assert ran.code == 1 and runner.calls == [] and "DRM-10072" in ran.err


def test_lineage_checks_the_backup_id_before_reading_anything(capsys, tmp_path):
    from services.cli.main import main

    assert main(["lineage", "12"]) == 1
    assert "10 digits" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()
