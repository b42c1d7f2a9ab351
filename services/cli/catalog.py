"""``drmfscat`` and ``drmappcat``: the backup catalog of a host, as its agent's view holds it.

Listing is a query (the agent appends nothing); ``drmappcat <backup-ID> -delete`` is a command.
"""
from __future__ import annotations

import argparse

from events.fs_commands import DeleteCatalogEntry, ListCatalog, ListFileSystemCatalog
from services.cli import catalog_layouts as layout
from services.cli.errors import CliError
from services.cli.filesystem_args import add_common, add_parser, build, check_backup_id, \
    expand_target, option, usage_error
from services.cli.filesystem_session import Session, Shown, perform, query_data
from services.cli.runtime import command_runner


def register(subparsers) -> None:
    register_fscat(subparsers)
    register_appcat(subparsers)


def no_backup_data() -> CliError:
    return CliError(layout.NO_BACKUP_DATA, layout.no_backup_data())


# -- drmfscat ------------------------------------------------------------------------------------
def register_fscat(subparsers) -> None:
    parser = add_parser(
        subparsers, "fscat", "drmfscat", "list the file-system backup catalog",
        "list the catalog entries whose instance is the given mount point (or any mount\n"
        "point of a target list file). KAVX0024-E when no entry matches.")
    parser.add_argument("target", help="a mount point, or a target list file (one mount point "
                                       "per line, # comments)")
    option(parser, "backup_id", help="only the entry with this backup ID")
    option(parser, "comment", help="only entries whose backup comment is this text")
    add_common(parser)
    parser.set_defaults(func=run_fscat)


def fscat_request(args: argparse.Namespace) -> dict:
    check_backup_id(args.backup_id)
    return build(ListFileSystemCatalog, targets=expand_target(args.target),
                 backup_id=args.backup_id, comment=args.comment)


def run_fscat(args: argparse.Namespace, connect=command_runner) -> int:
    request = fscat_request(args)

    def work(session: Session) -> Shown:
        reply = session.query("ListFileSystemCatalog", request)
        entries = reply.result["entries"]
        if not entries:
            raise no_backup_data()
        return Shown(layout.fscat_lines(entries, request["targets"]), query_data(reply))

    return perform(args, "drmfscat", work, connect)


# -- drmappcat -----------------------------------------------------------------------------------
def register_appcat(subparsers) -> None:
    parser = add_parser(
        subparsers, "appcat", "drmappcat", "list or delete catalog entries of the host",
        "without arguments, list every catalog entry of the host; with a backup ID, list that\n"
        "entry; with a backup ID and -delete, delete that entry (KAVX0424-I).")
    parser.add_argument("backup_id", nargs="?", help="a backup ID (10 digits)")
    option(parser, "delete", action="store_true", help="delete the entry of the backup ID")
    add_common(parser)
    parser.set_defaults(func=run_appcat)


def appcat_request(args: argparse.Namespace) -> dict:
    check_backup_id(args.backup_id)
    if args.delete:
        if args.backup_id is None:
            raise usage_error("-delete needs the backup ID of the entry to delete")
        return build(DeleteCatalogEntry, backup_id=args.backup_id)
    return build(ListCatalog, backup_id=args.backup_id)


def run_appcat(args: argparse.Namespace, connect=command_runner) -> int:
    request = appcat_request(args)

    def delete(session: Session) -> Shown:
        outcome = session.command("DeleteCatalogEntry", request)
        return Shown([layout.entry_deleted(request["backup_id"])], outcome.to_wire())

    def listing(session: Session) -> Shown:
        reply = session.query("ListCatalog", request)
        entries = reply.result["entries"]
        if not entries and args.backup_id is not None:
            raise no_backup_data()
        return Shown(layout.appcat_lines(entries), query_data(reply))

    return perform(args, "drmappcat", delete if args.delete else listing, connect)
