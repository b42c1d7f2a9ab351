"""``drmfscat`` and ``drmappcat``: the backup catalog of a host, as its agent's view holds it.

Listing is a query (the agent appends nothing); ``drmappcat <backup-ID> -delete`` is a command.
"""
from __future__ import annotations

import argparse

from events.fs_commands import DeleteCatalogEntry, ListCatalog, ListFileSystemCatalog
from services.cli import catalog_layouts as layout
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error
from services.cli.errors import CliError
from services.cli.filesystem_args import build, check_backup_id, expand_target
from services.cli.perform import query_data


def no_backup_data() -> CliError:
    return CliError(layout.NO_BACKUP_DATA, layout.no_backup_data())


# -- drmfscat ------------------------------------------------------------------------------------
def fscat_request(args: argparse.Namespace) -> ListFileSystemCatalog:
    check_backup_id(args.backup_id)
    return build(ListFileSystemCatalog, targets=expand_target(args.target),
                 backup_id=args.backup_id, comment=args.comment)


def fscat_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [reply] = outcomes
    entries = reply.result["entries"]
    if not entries:
        raise no_backup_data()
    return Shown(layout.fscat_lines(entries, expand_target(args.target)), query_data(reply))


FSCAT = AgentEntry(
    name="fscat", manual="drmfscat", summary="list the file-system backup catalog",
    description="list the catalog entries whose instance is the given mount point (or any "
                "mount\npoint of a target list file). KAVX0024-E when no entry matches.",
    commands=(ListFileSystemCatalog,), request=fscat_request, show=fscat_shown,
    options=(
        arg("target", help="a mount point, or a target list file (one mount point per line, "
                           "# comments)"),
        opt("backup_id", help="only the entry with this backup ID"),
        opt("comment", help="only entries whose backup comment is this text")))


# -- drmappcat -----------------------------------------------------------------------------------
def appcat_request(args: argparse.Namespace) -> DeleteCatalogEntry | ListCatalog:
    check_backup_id(args.backup_id)
    if args.delete:
        if args.backup_id is None:
            raise usage_error("-delete needs the backup ID of the entry to delete")
        return build(DeleteCatalogEntry, backup_id=args.backup_id)
    return build(ListCatalog, backup_id=args.backup_id)


def appcat_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    if args.delete:
        return Shown([layout.entry_deleted(args.backup_id)], outcome.to_wire())
    entries = outcome.result["entries"]
    if not entries and args.backup_id is not None:
        raise no_backup_data()
    return Shown(layout.appcat_lines(entries), query_data(outcome))


APPCAT = AgentEntry(
    name="appcat", manual="drmappcat", summary="list or delete catalog entries of the host",
    description="without arguments, list every catalog entry of the host; with a backup ID, "
                "list that\nentry; with a backup ID and -delete, delete that entry "
                "(KAVX0424-I).",
    commands=(DeleteCatalogEntry, ListCatalog), request=appcat_request, show=appcat_shown,
    options=(
        arg("backup_id", nargs="?", help="a backup ID (10 digits)"),
        flag("delete", "delete the entry of the backup ID")))
