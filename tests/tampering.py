"""What an attacker with write access to an event store's database does to hide a change:
the statements the tamper tests share (ADR 0005: signed heads kept on the last event of each
signed batch and, for the last one, in the host's stream row)."""
from __future__ import annotations

from sqlalchemy import Engine, text

from adapters.event_store.heads import head_of
from events.signing import KeyRing, head_problem

_LAST_KEPT_HEAD = (
    "UPDATE drm_streams SET (signed_seq, signed_hash, signed_at, signed_key_id, "
    "signed_signature) = (SELECT seq, hash, head_signed_at, head_key_id, head_signature "
    "FROM drm_events WHERE host = :host AND seq <= :seq AND head_signature IS NOT NULL "
    "ORDER BY seq DESC LIMIT 1) WHERE host = :host")


def roll_back(engine: Engine, host: str, seq: int) -> None:
    """The host's history cut back to ``seq``, where a signed batch ended: every hash intact,
    the stream row and its last signed head set back to what they were then."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM drm_events WHERE host = :host AND seq > :seq"),
                     {"host": host, "seq": seq})
        conn.execute(text("UPDATE drm_streams SET head_seq = :seq, head_hash = (SELECT hash "
                          "FROM drm_events WHERE host = :host AND seq = :seq) "
                          "WHERE host = :host"), {"host": host, "seq": seq})
        conn.execute(text(_LAST_KEPT_HEAD), {"host": host, "seq": seq})


def drop_unmatched_heads(store, host: str, keys: KeyRing) -> None:
    """The strongest attacker also removes every signed head that no longer matches the
    events (its event is gone or re-hashed, so its signature fails): from the event rows, and
    from the stream row, which gets the last head still standing."""
    with store.engine.begin() as conn:
        for row in store.signed_heads(host):
            if row[6] == row[2] and head_problem(head_of(row), keys) is None:
                continue
            conn.execute(text("UPDATE drm_events SET head_signed_at = NULL, head_key_id = NULL, "
                              "head_signature = NULL WHERE host = :host AND seq = :seq"),
                         {"host": host, "seq": row[1]})
        conn.execute(text(_LAST_KEPT_HEAD), {"host": host, "seq": 1 << 62})


def forge_last_head(engine: Engine, host: str, seq: int, **columns: str) -> None:
    """The signed head at ``seq`` changed where it is kept (event row and stream row):
    ``columns`` among ``key_id`` and ``signature``."""
    with engine.begin() as conn:
        for name, value in columns.items():
            conn.execute(text(f"UPDATE drm_events SET head_{name} = :value "
                              "WHERE host = :host AND seq = :seq"),
                         {"value": value, "host": host, "seq": seq})
            conn.execute(text(f"UPDATE drm_streams SET signed_{name} = :value "
                              "WHERE host = :host AND signed_seq = :seq"),
                         {"value": value, "host": host, "seq": seq})
