"""``drm audit verify`` with an existing reporting database catches every tamper case of a
host's store (ADR 0005): the reporting store holds the last signed head it verified, and the
host's store must still hold it, on SQLite (a store per host) and PostgreSQL (one store)."""
from __future__ import annotations

import orjson
import pytest

from services.agent.bootstrap import open_store
from services.cli.main import main
from services.settings import load_settings
from services.trust import trusted_keys
from tests.builders import a_context, completed_drafts
from tests.contract.test_signed_history import FIXES, TAMPERS, delete_last_event, tamper


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path, monkeypatch):
    for name in ("DRM_BROKER_URL", "DRM_DATABASE_URL", "DRM_REPORT_DATABASE_URL",
                 "DRM_TRUSTED_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path))
    if request.param == "postgres":
        monkeypatch.setenv("DRM_DATABASE_URL", request.getfixturevalue("postgres_url"))
        monkeypatch.setenv("DRM_REPORT_DATABASE_URL", f"sqlite:///{tmp_path / 'report.db'}")
    return load_settings()


@pytest.fixture
def audited(settings, host, capsys):
    """A host whose agent's store signed three batches (heads at 3, 6 and 7), verified once
    by ``drm audit verify``: the reporting database holds seq 7's signed head."""
    store = open_store(settings, host)
    for first, count in ((0, 3), (3, 3), (6, 1)):
        store.append(host, completed_drafts(count), first, a_context())
    assert main(["audit", "verify", "--host", host]) == 0
    assert "chain intact" in capsys.readouterr().out
    return store


def test_the_audit_holds_the_last_signed_head(audited, host, capsys):
    assert main(["audit", "verify", "--host", host, "--json"]) == 0
    verdict = orjson.loads(capsys.readouterr().out)["hosts"][0]
    assert verdict["ok"] and verdict["last_seq"] == 7


@pytest.mark.parametrize("fix", FIXES)
@pytest.mark.parametrize("how", TAMPERS, ids=lambda how: how.__name__)
def test_every_tamper_case_fails_the_audit(audited, host, how, fix, settings, capsys):
    tamper(audited, host, how, fix, trusted_keys(settings))
    assert main(["audit", "verify", "--host", host]) != 0
    captured = capsys.readouterr()
    assert "PROBLEMS" in captured.out and host in captured.err
    if how is delete_last_event and fix.endswith("dropped"):  # a rollback to seq 6's head
        assert "cut short" in captured.out


def test_a_forged_event_appended_without_the_key_is_named_unsigned(audited, host, settings,
                                                                   capsys):
    from adapters.event_store import SqlEventStore

    SqlEventStore(audited.engine).append(host, completed_drafts(1, command="Forged"), 7,
                                         a_context())
    assert main(["audit", "verify", "--host", host]) != 0
    assert "seq 8..8 are not covered by a signed head" in capsys.readouterr().out
