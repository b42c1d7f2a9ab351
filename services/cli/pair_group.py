"""``drm pair create|split|resync|display|evtwait|takeover``: CCI's pair commands under one
word, each the same entry as its CCI name (``drm pair split`` is ``pairsplit``)."""
from __future__ import annotations

from dataclasses import replace

from services.cli.entries import LocalEntry

OPERATIONS = ("create", "split", "resync", "display", "evtwait", "takeover")


def _entries():
    from services.cli.pairdisplay import PAIRDISPLAY
    from services.cli.pairs import (HORCTAKEOVER, PAIRCREATE, PAIREVTWAIT, PAIRRESYNC,
                                    PAIRSPLIT)

    return dict(zip(OPERATIONS, (PAIRCREATE, PAIRSPLIT, PAIRRESYNC, PAIRDISPLAY, PAIREVTWAIT,
                                 HORCTAKEOVER)))


def register(subparsers) -> None:
    parser = subparsers.add_parser("pair", help="CCI pair commands: create, split, resync, "
                                                "display, evtwait, takeover")
    operations = parser.add_subparsers(dest="pair_operation", metavar="<operation>",
                                       required=True)
    for word, entry in _entries().items():
        replace(entry, name=word).register(operations)


PAIR = LocalEntry("pair", register)
