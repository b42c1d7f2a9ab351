"""Signed history (ADR 0005), on SQLite and PostgreSQL: every tamper case is caught by the
store's own verification where the store alone can show it, and otherwise by verification
against the auditor's held head or the shared log."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from adapters.event_store import SqlEventStore
from adapters.event_store.verify import compare_with_log
from adapters.keys import KeyStore
from events import EventEnvelope
from events.canonical import canonical_json
from events.signing import KeyRing, SignedHead
from tests.builders import a_context, completed_drafts
from tests.tampering import drop_unmatched_heads, forge_last_head

EDIT_AT = 5  # in the middle of the second batch: batches end at seq 3, 6 and 7


@pytest.fixture
def keys(tmp_path):
    return KeyStore(tmp_path / "keys", tmp_path / "trusted_keys.json")


@pytest.fixture
def signed(store, keys, host):
    """A store that signs ``host``'s appends, with three batches (heads at 3, 6, 7)."""
    signing = SqlEventStore(store.engine, signer=keys.signer(host))
    signing.append(host, completed_drafts(3), 0, a_context())
    signing.append(host, completed_drafts(3), 3, a_context())
    signing.append(host, completed_drafts(1), 6, a_context())
    return signing


def verify(store: SqlEventStore, keys: KeyStore, host: str, held: SignedHead | None = None):
    trusted = keys.trusted()
    return store.verify(host, trusted, trusted.enrolled_at(host), held)


def run(store: SqlEventStore, sql: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def fix_head_row(store: SqlEventStore, host: str) -> None:
    """The attacker's ``drm_streams`` row made to match the tampered events."""
    last = store.read(host)[-1]
    run(store, "UPDATE drm_streams SET head_seq = :seq, head_hash = :hash WHERE host = :host",
        seq=last.seq, hash=last.hash, host=host)


def edit_payload(store, host):
    run(store, "UPDATE drm_events SET payload = :p WHERE host = :host AND seq = :seq",
        p='{"command":"Forged","result":{}}', host=host, seq=EDIT_AT)


def edit_principal(store, host):
    run(store, "UPDATE drm_events SET principal = 'mallory' WHERE host = :host AND seq = :seq",
        host=host, seq=EDIT_AT)


def delete_event(store, host):
    run(store, "DELETE FROM drm_events WHERE host = :host AND seq = :seq", host=host, seq=EDIT_AT)


def delete_last_event(store, host):
    run(store, "DELETE FROM drm_events WHERE host = :host AND seq = 7", host=host)


def insert_chained_event(store, host):
    """Appended through the store's own code by someone without the host's key."""
    seq, hash_ = store.head(host)
    SqlEventStore(store.engine).append(host, completed_drafts(1, command="Forged"), seq,
                                       a_context())
    run(store, "UPDATE drm_streams SET head_seq = :seq, head_hash = :hash WHERE host = :host",
        seq=seq, hash=hash_, host=host)  # the head row as it was; ``fix_head_row`` moves it


def rechain_edit(store, host):
    previous = None
    for event in store.read(host)[EDIT_AT - 1:]:
        values = dict(event.__dict__)
        if event.seq == EDIT_AT:
            values["payload"] = {"command": "Forged", "result": {}}
        if previous is not None:
            values["prev_hash"] = previous
        values["hash"] = EventEnvelope.trusted(**values).expected_hash()
        run(store, "UPDATE drm_events SET payload = :p, prev_hash = :prev, hash = :h "
                   "WHERE host = :host AND seq = :seq", p=canonical_json(values["payload"]),
            prev=values["prev_hash"], h=values["hash"], host=host, seq=event.seq)
        previous = values["hash"]


TAMPERS = [edit_payload, edit_principal, delete_event, delete_last_event, insert_chained_event,
           rechain_edit]
FIXES = ["nothing fixed", "head row fixed", "head row fixed, unmatched heads dropped"]


def tamper(store, host, how, fix, keys: KeyRing) -> None:
    """``how`` done to ``host``'s history, then ``fix``; ``keys``: what tells the strongest
    attacker which signed heads no longer verify."""
    how(store, host)
    if fix != "nothing fixed":
        fix_head_row(store, host)
    if fix.endswith("dropped"):
        drop_unmatched_heads(store, host, keys)


def test_an_untouched_signed_history_verifies(signed, keys, host):
    result = verify(signed, keys, host)
    assert result.ok, result.problem
    assert result.signed_seq == 7 and result.last_head.key_id == keys.trusted().current(host).key_id


@pytest.mark.parametrize("fix", FIXES)
@pytest.mark.parametrize("how", TAMPERS, ids=lambda how: how.__name__)
def test_every_tamper_case_is_caught(signed, keys, host, how, fix):
    held = verify(signed, keys, host).last_head  # what an auditor verified before
    published = [(e.seq, e.hash) for e in signed.read(host)]  # what the shared log holds
    tamper(signed, host, how, fix, keys.trusted())
    rollback = how is delete_last_event and fix.endswith("dropped")
    alone = verify(signed, keys, host)
    if rollback:  # an earlier, genuinely signed history: only an auditor who saw seq 7 knows
        assert alone.ok and alone.signed_seq == 6
    else:
        assert not alone.ok
    with_state = verify(signed, keys, host, held)
    assert not with_state.ok, f"{how.__name__}, {fix}: not caught with the auditor's state"
    if alone.ok:
        stored = [e.hash for e in signed.read(host)]
        assert not compare_with_log(alone, stored, published).ok
        assert "cut short" in with_state.problem


def test_a_forged_signature_on_the_last_head_is_caught(signed, keys, host):
    forge_last_head(signed.engine, host, 7, signature="00" * 64)
    result = verify(signed, keys, host)
    assert not result.ok and "does not verify" in result.problem


def test_a_head_signed_by_another_hosts_key_is_refused(signed, keys, host, tmp_path):
    other = SqlEventStore(signed.engine, signer=keys.signer(host + "-x"))
    forged = KeyStore(tmp_path / "keys", tmp_path / "trusted_keys.json").signer(host + "-x")
    assert other.signer.key_id == forged.key_id
    forge_last_head(signed.engine, host, 7, key_id=forged.key_id)
    assert "not a trusted key of host" in verify(signed, keys, host).problem


def test_heads_signed_under_a_retired_key_still_verify(signed, keys, host):
    old = keys.trusted().current(host).key_id
    assert keys.rotate(host)[0] == old
    result = verify(signed, keys, host)
    assert result.ok and result.last_head.key_id == old
    rotated = SqlEventStore(signed.engine, signer=keys.signer(host))
    rotated.append(host, completed_drafts(2), 7, a_context())
    result = signed.verify(host, keys.trusted(), "2000-01-01T00:00:00.000000Z",
                           every_signature=True)
    assert result.ok and result.signed_seq == 9 and result.last_head.key_id != old


def test_a_head_signed_after_its_key_was_retired_is_refused(signed, keys, host):
    stale = keys.signer(host)
    keys.rotate(host)
    SqlEventStore(signed.engine, signer=stale).append(host, completed_drafts(1), 7, a_context())
    result = verify(signed, keys, host)
    assert not result.ok and "not in service" in result.problem


def test_a_host_without_a_registered_key_verifies_unsigned(store, keys, host):
    store.append(host, completed_drafts(2), 0, a_context())
    result = verify(store, keys, host)
    assert result.ok and result.signed_seq is None
    keys.signer(host)  # enrolled now: what happened before is a history from before signing
    assert verify(store, keys, host).ok
    store.append(host, completed_drafts(1), 2, a_context())  # after enrolment, yet unsigned
    assert "not signed by host" in verify(store, keys, host).problem
    SqlEventStore(store.engine, signer=keys.signer(host)).append(
        host, completed_drafts(1), 3, a_context())  # the next signed head seals all before it
    assert verify(store, keys, host).ok


def test_the_key_file_is_private(keys, host, tmp_path):
    signer = keys.signer(host)
    path = tmp_path / "keys" / host / f"{signer.key_id}.pem"
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_signer_signs_as_the_key_file_would(keys, host):
    """PyNaCl signs; Ed25519 is deterministic, so it gives cryptography's own signature."""
    signer = keys.signer(host)
    data = b"drm-signed-head-v1 probe"
    assert signer.sign(data) == signer.private_key.sign(data)
