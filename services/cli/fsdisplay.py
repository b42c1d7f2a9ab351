"""``drmfsdisplay``: the dictionary maps of a host's file systems, as its agent's view holds
them; ``-refresh`` rediscovers them first (spec 08 §3.4).

A host whose maps are empty gets a line that says so and that ``-refresh`` builds them
(``DRMX1019-W``), instead of an empty listing. ``-v`` adds the ``DB_PATH:`` line: where the
host's data files are, as its agent answers (``ShowDataFiles``).
"""
from __future__ import annotations

import argparse

from events.data_files import ShowDataFiles
from events.fs_commands import DisplayDictionaryMaps, RefreshDictionaryMaps
from services import messages
from services.cli import catalog_layouts as layout
from services.cli.entries import AgentEntry, Shown, arg, flag
from services.cli.errors import CliError
from services.cli.filesystem_args import build, expand_target
from services.cli.perform import query_data

UNKNOWN_MOUNT_POINT = messages.UNKNOWN_OBJECT  # the detail code the agent gives unknown objects
MAPS_EMPTY = messages.MAPS_EMPTY
TARGET_HELP = "a mount point, or a target list file (one mount point per line, # comments)"


def shows_maps(args: argparse.Namespace) -> bool:
    return not args.refresh or args.cf or args.target is not None


def targets_of(args: argparse.Namespace) -> tuple[str | None, ...]:
    return expand_target(args.target) if args.target else (None,)


def display_request(args: argparse.Namespace) -> list:
    commands: list = [RefreshDictionaryMaps()] if args.refresh else []
    commands += [ShowDataFiles()] if args.v else []
    if shows_maps(args):
        commands += [build(DisplayDictionaryMaps, target=t) for t in targets_of(args)]
    return commands


def maps_empty(refreshed_seq: int | None) -> str:
    never = "were never built on this host" if not refreshed_seq else "hold no file system"
    return messages.line(MAPS_EMPTY, state=never)


def display_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    lines, data = [], {}
    if args.refresh:
        refreshed, *outcomes = outcomes
        lines.append(layout.maps_updated())
        data["refreshed"] = refreshed.to_wire()
    if args.v:
        files, *outcomes = outcomes
        lines.append(f"DB_PATH: {files.result['db_path']}")
        data["data_files"] = query_data(files)
    if not shows_maps(args):
        return Shown(lines, data)
    for target, reply in zip(targets_of(args), outcomes):  # an unknown named one is an error
        if target is not None and not reply.result["volumes"]:
            raise CliError(messages.PROCESSING_ERROR, messages.error_text(
                UNKNOWN_MOUNT_POINT, f"the mount point {target} is not in the dictionary map "
                                     f"(drmfsdisplay -refresh rediscovers it)"))
    volumes = [volume for reply in outcomes for volume in reply.result["volumes"]]
    lines.extend(layout.maps_lines(volumes, args.cf))
    if not volumes and args.target is None:
        lines.append(maps_empty(outcomes[0].result.get("refreshed_seq")))
    data["maps"] = [query_data(reply) for reply in outcomes]
    return Shown(lines, data)


FSDISPLAY = AgentEntry(
    name="fsdisplay", manual="drmfsdisplay", summary="show the dictionary maps of file systems",
    description="show each mount point of the host with its device and copy groups, as the "
                "agent's\ndictionary maps know them; -refresh rediscovers them from the host "
                "first.",
    commands=(RefreshDictionaryMaps, ShowDataFiles, DisplayDictionaryMaps),
    request=display_request,
    show=display_shown,
    options=(
        arg("target", nargs="?", help=f"limit the display: {TARGET_HELP}"),
        flag("cf", "add the COPY-FUNC and GENNAME columns"),
        flag("refresh", "rediscover mount points, devices and copy groups and record them "
                        "(KAVX0023-I)"),
        flag("v", "verbose: add the DB_PATH: line, the directory of the host's data files")))
