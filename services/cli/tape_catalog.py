"""``drmtapecat`` and ``drmtapeinit``: the tape catalog of the backup server and the tape
parameters (spec 08 §3.11, §3.12; spec 04 §10.3).

``drmtapeinit`` takes the answers to the manual's prompts as options (``-product`` for
KAVX0411-I, ``-retention_days`` for KAVX0417-I; 0 keeps entries forever); ``-v`` shows them.
``drmtapecat -delete`` needs at least one filter: deleting every tape entry by accident is not
something a careful operator wants from a bare ``-delete``.
"""
from __future__ import annotations

import argparse

from events.tape import ListTapeCatalog, RegisterTapeSettings, ShowTapeSettings
from services.cli import tape_layouts as layout
from services.cli.filesystem_args import add_common, add_parser, build, check_backup_id, \
    normalize, option, usage_error
from services.cli.filesystem_session import Session, Shown, perform, query_data
from services.cli.runtime import command_runner

OBJECT_TYPES = ("FILESYSTEM", "MSSQL", "MSEXCHANGE")


def register(subparsers) -> None:
    register_tapecat(subparsers)
    register_tapeinit(subparsers)


def register_tapecat(subparsers) -> None:
    parser = add_parser(
        subparsers, "tapecat", "drmtapecat", "list or delete tape catalog entries",
        "list the tape entries of this backup server (short layout; -l adds ORIGINAL-ID,\n"
        "HOSTNAME and INSTANCE; -o adds each entry's objects), or delete the selected ones.\n"
        "Expired entries are not listed.")
    parser.add_argument("backup_id_arg", nargs="?", metavar="backup_id",
                        help="same as -backup_id")
    option(parser, "hostname", help="entries whose origin host is this one")
    option(parser, "l", action="store_true", help="long layout")
    option(parser, "o", nargs="+", metavar="ARG",
           help="object type (FILESYSTEM, MSSQL, MSEXCHANGE), then optionally the instance "
                "(mount point)")
    option(parser, "backup_id", help="one entry")
    option(parser, "delete", action="store_true", help="delete the selected entries")
    add_common(parser)
    parser.set_defaults(func=run_tapecat)


def tapecat_request(args: argparse.Namespace) -> dict:
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
    return build(ListTapeCatalog, hostname=args.hostname, backup_id=backup_id,
                 object_type=object_type, instance=instance)


def run_tapecat(args: argparse.Namespace, connect=command_runner) -> int:
    request = tapecat_request(args)

    def delete(session: Session) -> Shown:
        outcome = session.command("DeleteTapeEntries", request)
        return Shown([layout.tape_deleted(i) for i in outcome.payload["result"]["deleted"]],
                     outcome.to_wire())

    def listing(session: Session) -> Shown:
        reply = session.query("ListTapeCatalog", request)
        lines = layout.tape_lines(reply.result["entries"], long=args.l,
                                  detail=args.o is not None)
        return Shown(lines, query_data(reply))

    return perform(args, "drmtapecat", delete if args.delete else listing, connect)


def register_tapeinit(subparsers) -> None:
    parser = add_parser(
        subparsers, "tapeinit", "drmtapeinit", "register the tape parameters",
        "register the backup management product (KAVX0411-I: NBU or BEWS) and the number of\n"
        "days tape catalog entries are kept (KAVX0417-I; 0 = forever), or show them (-v).")
    option(parser, "product", type=str.upper, choices=("NBU", "BEWS"),
           help="backup management product name")
    option(parser, "retention_days", type=int, metavar="DAYS",
           help="days to keep tape catalog entries (0 = forever)")
    option(parser, "v", action="store_true", help="show the registered values")
    add_common(parser)
    parser.set_defaults(func=run_tapeinit)


def tapeinit_request(args: argparse.Namespace) -> dict:
    if args.v:
        if args.product is not None or args.retention_days is not None:
            raise usage_error("-v cannot be combined with -product or -retention_days")
        return build(ShowTapeSettings)
    if args.product is None or args.retention_days is None:
        raise usage_error("drmtapeinit needs -product (NBU or BEWS) and -retention_days "
                          "(or -v to show the registered values)")
    return build(RegisterTapeSettings, product=args.product, retention_days=args.retention_days)


def run_tapeinit(args: argparse.Namespace, connect=command_runner) -> int:
    request = tapeinit_request(args)

    def show(session: Session) -> Shown:
        reply = session.query("ShowTapeSettings", request)
        return Shown(layout.settings_lines(reply.result), query_data(reply))

    def register_(session: Session) -> Shown:
        outcome = session.command("RegisterTapeSettings", request)
        return Shown(layout.settings_lines(outcome.payload["result"]), outcome.to_wire())

    return perform(args, "drmtapeinit", show if args.v else register_, connect)
