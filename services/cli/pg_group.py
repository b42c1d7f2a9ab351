"""``drm pg init|display|backup|cat|logbackup|restore|recover``: the PostgreSQL commands under
one word, each the same entry as its console name (``drm pg backup`` is ``drmpgbackup``)."""
from __future__ import annotations

from dataclasses import replace

from services.cli.entries import LocalEntry

OPERATIONS = ("init", "display", "backup", "cat", "logbackup", "restore", "recover")


def _entries():
    from services.cli import postgres

    return dict(zip(OPERATIONS, (postgres.INIT, postgres.DISPLAY, postgres.BACKUP, postgres.CAT,
                                 postgres.LOGBACKUP, postgres.RESTORE, postgres.RECOVER)))


def register(subparsers) -> None:
    parser = subparsers.add_parser("pg", help="PostgreSQL: init, display, backup, cat, "
                                              "logbackup, restore, recover")
    operations = parser.add_subparsers(dest="pg_operation", metavar="<operation>",
                                       required=True)
    for word, entry in _entries().items():
        replace(entry, name=word).register(operations)


PG = LocalEntry("pg", register)
