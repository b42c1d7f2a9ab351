"""``drmtapecat`` and ``drmtapeinit``: the tape catalog of the backup server and the tape
parameters (spec 08 §3.11, §3.12; spec 04 §10.3).

``drmtapeinit`` takes the answers to the manual's prompts as options (``-product`` for
KAVX0411-I, ``-retention_days`` for KAVX0417-I; 0 keeps entries forever); ``-v`` shows them.
``drmtapecat -delete`` needs at least one filter: deleting every tape entry by accident is not
something a careful operator wants from a bare ``-delete``.
"""
from __future__ import annotations

import argparse

from events.tape import DeleteTapeEntries, ListTapeCatalog, RegisterTapeSettings, \
    ShowTapeSettings
from services.cli import tape_layouts as layout
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error
from services.cli.filesystem_args import build, check_backup_id, normalize
from services.cli.perform import query_data

OBJECT_TYPES = ("FILESYSTEM", "MSSQL", "MSEXCHANGE")


def tapecat_request(args: argparse.Namespace) -> ListTapeCatalog | DeleteTapeEntries:
    if args.backup_id_arg and args.backup_id and args.backup_id_arg != args.backup_id:
        raise usage_error("two different backup IDs were given")
    backup_id = check_backup_id(args.backup_id or args.backup_id_arg)
    object_type = instance = None
    if args.o is not None:
        if len(args.o) > 2 or args.o[0].upper() not in OBJECT_TYPES:
            raise usage_error("-o takes an object type (FILESYSTEM, MSSQL or MSEXCHANGE) and "
                              "optionally an instance")
        object_type = args.o[0].upper()
        instance = normalize(args.o[1]) if len(args.o) == 2 else None
    if args.delete and not (backup_id or args.hostname or object_type):
        raise usage_error("-delete needs a selection: a backup ID, -hostname or -o")
    return build(DeleteTapeEntries if args.delete else ListTapeCatalog, hostname=args.hostname,
                 backup_id=backup_id, object_type=object_type, instance=instance)


def tapecat_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    if args.delete:
        return Shown([layout.tape_deleted(i) for i in outcome.payload["result"]["deleted"]],
                     outcome.to_wire())
    lines = layout.tape_lines(outcome.result["entries"], long=args.l, detail=args.o is not None)
    return Shown(lines, query_data(outcome))


TAPECAT = AgentEntry(
    name="tapecat", manual="drmtapecat", summary="list or delete tape catalog entries",
    description="list the tape entries of this backup server (short layout; -l adds "
                "ORIGINAL-ID,\nHOSTNAME and INSTANCE; -o adds each entry's objects), or delete "
                "the selected ones.\nExpired entries are not listed.",
    commands=(ListTapeCatalog, DeleteTapeEntries), request=tapecat_request, show=tapecat_shown,
    options=(
        arg("backup_id_arg", nargs="?", metavar="backup_id", help="same as -backup_id"),
        opt("hostname", help="entries whose origin host is this one"),
        flag("l", "long layout"),
        opt("o", nargs="+", metavar="ARG",
            help="object type (FILESYSTEM, MSSQL, MSEXCHANGE), then optionally the instance "
                 "(mount point)"),
        opt("backup_id", help="one entry"),
        flag("delete", "delete the selected entries")))


def tapeinit_request(args: argparse.Namespace) -> ShowTapeSettings | RegisterTapeSettings:
    if args.v:
        if args.product is not None or args.retention_days is not None:
            raise usage_error("-v cannot be combined with -product or -retention_days")
        return build(ShowTapeSettings)
    if args.product is None or args.retention_days is None:
        raise usage_error("drmtapeinit needs -product (NBU or BEWS) and -retention_days "
                          "(or -v to show the registered values)")
    return build(RegisterTapeSettings, product=args.product, retention_days=args.retention_days)


def tapeinit_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    if args.v:
        return Shown(layout.settings_lines(outcome.result), query_data(outcome))
    return Shown(layout.settings_lines(outcome.payload["result"]), outcome.to_wire())


TAPEINIT = AgentEntry(
    name="tapeinit", manual="drmtapeinit", summary="register the tape parameters",
    description="register the backup management product (KAVX0411-I: NBU or BEWS) and the "
                "number of\ndays tape catalog entries are kept (KAVX0417-I; 0 = forever), or "
                "show them (-v).",
    commands=(ShowTapeSettings, RegisterTapeSettings), request=tapeinit_request,
    show=tapeinit_shown,
    options=(
        opt("product", type=str.upper, choices=("NBU", "BEWS"),
            help="backup management product name"),
        opt("retention_days", type=int, metavar="DAYS",
            help="days to keep tape catalog entries (0 = forever)"),
        flag("v", "show the registered values")))
