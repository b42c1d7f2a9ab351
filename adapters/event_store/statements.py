"""Every statement of the event store, written once with SQLAlchemy Core.

One SQL style: statements are Core constructs (``select``/``insert``/``update``/``func``) over
the tables of ``tables``. Appends and reads are the hot path of the agent and of every
projection rebuild, so ``Statements`` compiles each statement once for the engine's dialect and
runs the compiled text on the driver (``exec_driver_sql``), without SQLAlchemy's per-execution
compile-cache lookup and per-row type processing (``rows`` converts the raw values). Hand-written
SQL appears once, where Core cannot express the statement: PostgreSQL's insert of a whole batch
from one binary array per column (``rows.POSTGRES_INSERT``, psycopg's ``%b`` parameters).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from sqlalchemy import Engine, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.event_store import rows
from adapters.event_store.tables import commands, events, streams

E, S = events, streams
_EVENT_COLUMNS = [E.c[key] for key in rows.SELECT_KEYS]
HEAD_KEYS = ("host", "seq", "hash", "signed_at", "key_id", "signature")
"""The order of a signed head's fields in the rows of the ``heads_*`` reads, which end with
the hash of the event stored at the head's seq now (``None`` when there is none)."""


class Prepared:
    """A Core statement compiled once for a dialect; ``run`` executes it on the driver."""

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.order = compiled.positiontup  # bind names in order (positional styles), or None
        self.fixed = {name: bind.value for name, bind in compiled.binds.items()
                      if bind.value is not None}  # values Core bound itself (SQLite's OFFSET 0)

    def run(self, conn, values: Mapping[str, Any]):
        if self.fixed:
            values = {**self.fixed, **values}
        params = tuple(values[name] for name in self.order) if self.order is not None \
            else dict(values)
        return conn.exec_driver_sql(self.sql, params)


def _upsert_insert(postgres: bool):
    return (postgresql if postgres else sqlite).insert


def _events_where(*conditions, order=E.c.seq, limited: bool = False):
    query = select(*_EVENT_COLUMNS).where(*conditions).order_by(order)
    return query.limit(bindparam("limit")) if limited else query


def _pending(one_host: bool, limited: bool):
    query = select(*_EVENT_COLUMNS).select_from(E.join(S, S.c.host == E.c.host)) \
        .where(E.c.seq > S.c.published_seq)
    if one_host:
        query = query.where(E.c.host == bindparam("host"))
    query = query.order_by(E.c.position)
    return query.limit(bindparam("limit")) if limited else query


def definitions(postgres: bool) -> dict[str, Any]:
    """The Core statements, by name; ``reads`` variants take ``limited`` (a LIMIT bind)."""
    host = bindparam("host")
    return {
        "advance": update(S).where(S.c.host == host, S.c.head_seq == bindparam("expected"))
        .values(head_seq=bindparam("new")),
        "head_hash": select(S.c.head_hash).where(S.c.host == host),
        "seal_head": update(S).where(S.c.host == host).values(head_hash=bindparam("hash")),
        "seal_signed_head": update(S).where(S.c.host == host).values(
            head_hash=bindparam("hash"), signed_seq=bindparam("seq"),
            signed_hash=bindparam("hash"), signed_at=bindparam("signed_at"),
            signed_key_id=bindparam("key_id"), signed_signature=bindparam("signature")),
        "note_command": _upsert_insert(postgres)(commands).values(
            command_id=bindparam("command"), host=host, first_seq=bindparam("seq"))
        .on_conflict_do_nothing(index_elements=[commands.c.command_id]),
        "order_lock": select(func.pg_advisory_xact_lock(bindparam("key"))),
        # Each signed batch's head, kept on the batch's last event.
        "heads_in_events": select(E.c.host, E.c.seq, E.c.hash, E.c.head_signed_at,
                                  E.c.head_key_id, E.c.head_signature, E.c.hash)
        .where(E.c.host == host, E.c.seq > bindparam("after"), E.c.seq <= bindparam("upto"),
               E.c.head_signature.is_not(None))
        .order_by(E.c.seq),
        # The last signed head, with the hash of the event now at its seq.
        "head_in_stream": select(S.c.host, S.c.signed_seq, S.c.signed_hash, S.c.signed_at,
                                 S.c.signed_key_id, S.c.signed_signature, E.c.hash)
        .select_from(S.outerjoin(E, and_(E.c.host == S.c.host, E.c.seq == S.c.signed_seq)))
        .where(S.c.host == host, S.c.signed_seq > bindparam("after"),
               S.c.signed_seq <= bindparam("upto")),
        "payloads": select(E.c.seq, E.c.type, E.c.version, E.c.payload)
        .where(E.c.host == host, E.c.seq > bindparam("after")).order_by(E.c.seq),
    }


READS = {
    "read": lambda limited: _events_where(E.c.host == bindparam("host"),
                                          E.c.seq > bindparam("after"), limited=limited),
    "read_all": lambda limited: _events_where(E.c.position > bindparam("after"),
                                              order=E.c.position, limited=limited),
    "of_command": lambda limited: _events_where(
        E.c.host == bindparam("host"), E.c.seq >= bindparam("seq"),
        E.c.command_id == bindparam("command"), limited=limited),
    "pending": lambda limited: _pending(False, limited),
    "pending_host": lambda limited: _pending(True, limited),
}


class Statements:
    """The store's statements compiled for ``engine``'s dialect (once per store)."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.postgres = engine.dialect.name == "postgresql"
        self.prepared = {name: Prepared(statement, self.dialect)
                         for name, statement in definitions(self.postgres).items()}
        self.reads = {(name, limited): Prepared(build(limited), self.dialect)
                      for name, build in READS.items() for limited in (False, True)}
        self.payloads_limited = Prepared(definitions(self.postgres)["payloads"]
                                         .limit(bindparam("limit")), self.dialect)

    def run(self, conn, name: str, **values):
        return self.prepared[name].run(conn, values)

    def read(self, conn, name: str, limit: int | None, **values) -> list[tuple]:
        """Rows in ``rows.SELECT_KEYS`` order of the read ``name`` (at most ``limit``)."""
        if limit is not None:
            values["limit"] = int(limit)
        return self.reads[(name, limit is not None)].run(conn, values).fetchall()

    def sqlite_insert(self, row_count: int) -> str:
        """The SQL of a ``row_count``-row insert (positional, ``rows.INSERT_KEYS`` per row)."""
        return _sqlite_insert(row_count, self.dialect).sql


@lru_cache(maxsize=64)
def _sqlite_insert(row_count: int, dialect) -> Prepared:
    """One INSERT with ``row_count`` VALUES groups: one round trip per chunk of events; its
    parameters are each row's values in ``rows.INSERT_KEYS`` order, row after row."""
    names = [f"{key}_{n}" for n in range(row_count) for key in rows.INSERT_KEYS]
    groups = [{key: bindparam(f"{key}_{n}") for key in rows.INSERT_KEYS}
              for n in range(row_count)]
    prepared = Prepared(insert(E).values(groups), dialect)
    if list(prepared.order or ()) != names:
        raise RuntimeError("the multi-row insert does not bind rows.INSERT_KEYS row by row")
    return prepared
