"""``drmdbsetup -i``: create the host's data files, the dictionary maps and the backup catalog
(spec 08 §3.15).

In this system they live in the host's event store: the host's agent creates and migrates it
before it handles any command, then records the set-up as the outcome of ``SetUpDataFiles``.
The manual's utility prints one line and no ``KAVX0001-I``/``KAVX0002-I`` framing. The delete
form ``-u`` is [INFERRED] in the manual and not supported yet.
"""
from __future__ import annotations

import argparse

from events.data_files import SetUpDataFiles
from services.cli.entries import AgentEntry, Shown, flag, usage_error

CREATED = "All data files were created."


def setup_request(args: argparse.Namespace) -> SetUpDataFiles:
    if not args.i:
        raise usage_error("drmdbsetup needs -i (create the data files)")
    return SetUpDataFiles()


def setup_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    return Shown([CREATED], outcome.to_wire())


DBSETUP = AgentEntry(
    name="dbsetup", manual="drmdbsetup", summary="create the host's data files",
    description="create the dictionary map files and the backup catalog of the host (its "
                "event store,\ncreated and migrated by its agent) and record that they were "
                "set up.",
    commands=(SetUpDataFiles,), request=setup_request, show=setup_shown,
    options=(flag("i", "create the data files of the host (DRM_HOSTNAME or --host)"),),
    deferred=("u",), timeout=30.0, framed=False)
