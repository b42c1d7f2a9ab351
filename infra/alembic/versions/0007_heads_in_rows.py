"""Signed heads kept in the rows they seal (ADR 0005, revised): each signed append batch's head
on its last event, and the host's last signed head in its stream row, instead of a table of
their own. One row less to write per append: the head's columns ride on the event insert and
the stream update that every append makes anyway. Existing heads move across; downgrade moves
them back.

Revision ID: 0007_heads_in_rows
Revises: 0006_signed_heads
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_heads_in_rows"
down_revision = "0006_signed_heads"
branch_labels = None
depends_on = None

EVENT_HEAD = [("head_signed_at", 32), ("head_key_id", 16), ("head_signature", 128)]
STREAM_HEAD = [("signed_hash", 64), ("signed_at", 32), ("signed_key_id", 16),
               ("signed_signature", 128)]


def upgrade() -> None:
    for name, length in EVENT_HEAD:
        op.add_column("drm_events", sa.Column(name, sa.String(length)))
    op.add_column("drm_streams", sa.Column("signed_seq", sa.BigInteger()))
    for name, length in STREAM_HEAD:
        op.add_column("drm_streams", sa.Column(name, sa.String(length)))
    # Each kept head onto the event it seals (when that event is still there).
    op.execute(
        "UPDATE drm_events SET "
        "head_signed_at = (SELECT h.signed_at FROM drm_heads h WHERE h.host = drm_events.host "
        "AND h.seq = drm_events.seq AND h.hash = drm_events.hash), "
        "head_key_id = (SELECT h.key_id FROM drm_heads h WHERE h.host = drm_events.host "
        "AND h.seq = drm_events.seq AND h.hash = drm_events.hash), "
        "head_signature = (SELECT h.signature FROM drm_heads h WHERE h.host = drm_events.host "
        "AND h.seq = drm_events.seq AND h.hash = drm_events.hash) "
        "WHERE EXISTS (SELECT 1 FROM drm_heads h WHERE h.host = drm_events.host "
        "AND h.seq = drm_events.seq AND h.hash = drm_events.hash)")
    # Each host's last head into its stream row, as it was (even if its event is gone).
    last = ("(SELECT h.{column} FROM drm_heads h WHERE h.host = drm_streams.host "
            "ORDER BY h.seq DESC LIMIT 1)")
    op.execute(
        "UPDATE drm_streams SET "
        + ", ".join(f"{target} = {last.format(column=source)}" for target, source in (
            ("signed_seq", "seq"), ("signed_hash", "hash"), ("signed_at", "signed_at"),
            ("signed_key_id", "key_id"), ("signed_signature", "signature"))))
    op.drop_table("drm_heads")


def downgrade() -> None:
    op.create_table(
        "drm_heads",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.execute("INSERT INTO drm_heads (host, seq, hash, signed_at, key_id, signature) "
               "SELECT host, seq, hash, head_signed_at, head_key_id, head_signature "
               "FROM drm_events WHERE head_signature IS NOT NULL")
    op.execute("INSERT INTO drm_heads (host, seq, hash, signed_at, key_id, signature) "
               "SELECT host, signed_seq, signed_hash, signed_at, signed_key_id, "
               "signed_signature FROM drm_streams s WHERE signed_signature IS NOT NULL "
               "AND NOT EXISTS (SELECT 1 FROM drm_heads h WHERE h.host = s.host "
               "AND h.seq = s.signed_seq)")
    with op.batch_alter_table("drm_streams") as batch:
        for name in ["signed_seq"] + [name for name, _ in STREAM_HEAD]:
            batch.drop_column(name)
    with op.batch_alter_table("drm_events") as batch:
        for name, _ in EVENT_HEAD:
            batch.drop_column(name)
