"""``drm verify`` with an auditor state file, ``drm key show`` and ``drm key rotate``, and a
cluster's virtual server signing from either node (ADR 0005), in the embedded mode."""
from __future__ import annotations

import json

import pytest

from services.agent.bootstrap import open_store
from services.cli.main import main
from services.settings import load_settings
from tests.builders import a_context, completed_drafts
from tests.tampering import roll_back


@pytest.fixture
def settings(tmp_path, monkeypatch):
    for name in ("DRM_BROKER_URL", "DRM_DATABASE_URL", "DRM_TRUSTED_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRM_HOSTNAME", "FS1")
    return load_settings()


def appended(settings, batches=((0, 2), (2, 3))):
    store = open_store(settings, "FS1")
    for first, count in batches:
        store.append("FS1", completed_drafts(count), first, a_context())
    return store


def test_verify_names_the_key_that_signed_and_the_state_file_advances(settings, tmp_path,
                                                                        capsys):
    state = tmp_path / "auditor.json"
    store = appended(settings)
    assert main(["verify", "--state", str(state)]) == 0
    assert "chain intact, signed up to seq 5 by key" in capsys.readouterr().out
    assert json.loads(state.read_text())["hosts"]["FS1"]["seq"] == 5
    store.append("FS1", completed_drafts(1), 5, a_context())
    assert main(["verify", "--state", str(state), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["signed_seq"] == 6
    assert json.loads(state.read_text())["hosts"]["FS1"]["seq"] == 6


def test_a_rollback_is_caught_with_the_state_file_and_the_file_is_kept(settings, tmp_path,
                                                                        capsys):
    state = tmp_path / "auditor.json"
    store = appended(settings)
    assert main(["verify", "--state", str(state)]) == 0
    roll_back(store.engine, "FS1", 2)  # back to seq 2, the earlier genuinely signed head
    kept = state.read_text()
    assert main(["verify"]) == 0  # the store alone cannot tell
    assert main(["verify", "--state", str(state)]) == 1
    assert "cut short: the auditor verified seq 5" in capsys.readouterr().err
    assert state.read_text() == kept


def test_a_damaged_state_file_is_a_clear_error(settings, tmp_path, capsys):
    appended(settings)
    state = tmp_path / "auditor.json"
    state.write_text('{"format": "drm-auditor-state", "hosts": {"FS1": {"seq": "x"}}}')
    assert main(["verify", "--state", str(state)]) == 1
    assert "DRM-90005" in capsys.readouterr().err


def test_rotate_retires_the_old_key_and_old_heads_still_verify(settings, capsys):
    store = appended(settings)
    assert main(["key", "rotate"]) == 0
    assert "retired" in capsys.readouterr().out
    assert main(["verify"]) == 0
    capsys.readouterr()
    open_store(settings, "FS1").append("FS1", completed_drafts(1), 5, a_context())
    assert main(["verify", "--every-signature", "--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["ok"] and verdict["signed_seq"] == 6
    assert main(["key", "show", "--json"]) == 0
    keys = json.loads(capsys.readouterr().out)["FS1"]
    assert [k["retired_at"] is None for k in keys] == [False, True]
    assert verdict["key_id"] == keys[1]["key_id"]
    assert store.verify("FS1").ok


def test_both_nodes_of_a_cluster_sign_as_the_virtual_server(settings, tmp_path, monkeypatch):
    """Node B reads the key file node A made (shared storage): the failover's appends are
    signed by the same identity and the history verifies as one."""
    first = open_store(settings, "VSRV")
    first.append("VSRV", completed_drafts(2), 0, a_context())
    node_b = load_settings(hostname="NodeB")
    second = open_store(node_b, "VSRV")
    assert second.signer.key_id == first.signer.key_id
    second.append("VSRV", completed_drafts(1), 2, a_context())
    assert main(["verify", "--host", "VSRV"]) == 0


def test_a_node_without_the_key_file_appends_unsigned_and_verify_says_so(settings, tmp_path,
                                                                         monkeypatch, capsys):
    open_store(settings, "VSRV").append("VSRV", completed_drafts(1), 0, a_context())
    elsewhere = load_settings(data_dir=tmp_path / "node-b",
                              trusted_keys=settings.trusted_keys_file)
    store = open_store(elsewhere, "VSRV")
    assert store.signer is None
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "node-b"))
    monkeypatch.setenv("DRM_TRUSTED_KEYS", str(settings.trusted_keys_file))
    store.append("VSRV", completed_drafts(1), 0, a_context())
    assert main(["verify", "--host", "VSRV"]) == 1
    assert "not signed by host VSRV" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["verify"], ["key", "show"], ["audit", "verify"],
                                     ["hostinfo"]])
def test_a_damaged_registry_is_a_clear_error_not_a_traceback(settings, command, capsys):
    settings.trusted_keys_file.parent.mkdir(parents=True, exist_ok=True)
    settings.trusted_keys_file.write_text("{not json")
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "KAVX0006-E" in err and "trusted keys file" in err and "Traceback" not in err


def test_key_without_a_key_command_is_a_usage_error(settings, capsys):
    assert main(["key"]) == 1
    assert "KAVX0006-E" in capsys.readouterr().err
