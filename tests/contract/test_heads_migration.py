"""Migration 0007 moves signed heads out of ``drm_heads`` into the rows they seal and back,
on SQLite and PostgreSQL, so that a history signed before it still verifies after it (and the
last head still outlives the events it signed)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from adapters.event_store import SqlEventStore
from adapters.keys import KeyStore
from adapters.migrations import downgrade, upgrade
from tests.builders import a_context, completed_drafts
from tests.services import sqlite_or_scratch_postgres


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    with sqlite_or_scratch_postgres(request.param, tmp_path,
                                    lambda: request.getfixturevalue("postgres_server_url"),
                                    "events.db") as found:
        yield found


def test_heads_move_to_their_rows_and_back(engine, tmp_path):
    keys = KeyStore(tmp_path / "keys", tmp_path / "trusted_keys.json")
    upgrade(engine)
    store = SqlEventStore(engine, signer=keys.signer("FS1"))
    for first, count in ((0, 3), (3, 3), (6, 1)):
        store.append("FS1", completed_drafts(count), first, a_context())
    before = store.signed_heads("FS1")
    assert [row[1] for row in before] == [3, 6, 7]

    downgrade(engine, "0006_signed_heads")
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT host, seq, hash, signed_at, key_id, signature "
                                 "FROM drm_heads ORDER BY seq")).fetchall()
    assert [tuple(row) for row in kept] == [tuple(row[:6]) for row in before]

    with engine.begin() as conn:  # the last event goes while the heads are in their own table
        conn.execute(text("DELETE FROM drm_events WHERE seq = 7"))
        conn.execute(text("UPDATE drm_streams SET head_seq = 6, head_hash = "
                          "(SELECT hash FROM drm_events WHERE seq = 6)"))
    upgrade(engine)
    after = store.signed_heads("FS1")
    assert [row[1] for row in after] == [3, 6, 7]
    assert after[-1][6] is None  # the head signed at seq 7 outlived its event
    trusted = keys.trusted()
    result = store.verify("FS1", trusted, trusted.enrolled_at("FS1"))
    assert not result.ok and "no longer stored" in result.problem


def test_a_history_upgraded_whole_verifies(engine, tmp_path):
    keys = KeyStore(tmp_path / "keys", tmp_path / "trusted_keys.json")
    upgrade(engine)
    store = SqlEventStore(engine, signer=keys.signer("FS1"))
    store.append("FS1", completed_drafts(2), 0, a_context())
    downgrade(engine, "0006_signed_heads")
    upgrade(engine)
    store.append("FS1", completed_drafts(1), 2, a_context())
    trusted = keys.trusted()
    result = store.verify("FS1", trusted, trusted.enrolled_at("FS1"), every_signature=True)
    assert result.ok and result.signed_seq == 3, result.problem
