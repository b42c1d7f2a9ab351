"""``drmdevctl``: conceal or reveal the backup server's S-VOLs (spec 08 §3.13, spec 03 §3.3).

``-detach`` hides every S-VOL the host sees from its OS, ``-attach`` shows them again; as in the
manual's example neither prints anything on success (and the command is not framed by
``KAVX0001-I``/``KAVX0002-I``). Without an option (ours, the manual has no listing form) it
lists the S-VOLs and their state, or those of one backup ID. The signature forms
(``backup-ID -sigview``, ``-sigset``) are not supported yet: the simulated arrays keep no disk
signatures.
"""
from __future__ import annotations

import argparse

from events.devices import ConcealSvols, RevealSvols, ShowDevices
from services.cli.catalog_layouts import columns
from services.cli.entries import AgentEntry, Shown, arg, flag, usage_error
from services.cli.filesystem_args import build, check_backup_id
from services.cli.perform import query_data

HEADERS = ("COPY-GROUP", "DEVICE", "STATE", "MOUNT-POINT", "GUARD")


def devctl_request(args: argparse.Namespace):
    if args.detach and args.attach:
        raise usage_error("give one of -detach and -attach")
    if (args.detach or args.attach) and args.backup_id is not None:
        raise usage_error("-detach and -attach act on every S-VOL: give no backup ID")
    if args.detach:
        return ConcealSvols()
    if args.attach:
        return RevealSvols()
    return build(ShowDevices, backup_id=check_backup_id(args.backup_id))


def device_lines(result: dict) -> list[str]:
    rows = [[d["copy_group"], d["device"], "CONCEALED" if d["concealed"] else "REVEALED",
             d["mounted_at"] or "-",
             (d["guard"] + ("" if d["enforced"] else "(not enforced)")) if d["guard"] else "-"]
            for d in result["devices"]]
    return [f"DEVICE_DETACH: {result['device_detach']}", *columns(HEADERS, rows)]


def devctl_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    if args.detach or args.attach:
        return Shown([], outcome.to_wire())
    return Shown(device_lines(outcome.result), query_data(outcome))


DEVCTL = AgentEntry(
    name="devctl", manual="drmdevctl", summary="conceal or reveal S-VOLs on the backup server",
    description="-detach conceals every S-VOL of the host from its OS (none may be mounted); "
                "-attach\nreveals them. With DEVICE_DETACH=ENABLE drmmount reveals a concealed "
                "S-VOL and\ndrmumount conceals it again; with DISABLE a concealed S-VOL cannot "
                "be mounted.\nWithout an option: the S-VOLs and their state.",
    commands=(ConcealSvols, RevealSvols, ShowDevices), request=devctl_request,
    show=devctl_shown,
    options=(arg("backup_id", nargs="?", help="list only the S-VOLs of this backup"),
             flag("detach", "conceal every S-VOL from this host's OS"),
             flag("attach", "reveal every concealed S-VOL")),
    deferred=("sigview", "sigset"), framed=False)
