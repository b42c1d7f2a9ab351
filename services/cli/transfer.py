"""``drmdbexport`` and ``drmdbimport``: move one catalog entry between hosts through a file.

The export file is written by the CLI from the document the agent seals (``ExportBackup``);
``drmdbimport`` checks the file here first (a damaged, altered or unknown-version file is
refused and no command leaves the CLI), then the agent checks it again and imports it.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from adapters.files import EXPORT_FILE_LIMIT, FileTooLarge, read_limited
from events.export_document import (NOT_SIGNED, ExportFileError, encode_document, parse_bytes,
                                    read_document)
from events.transfer import ExportBackup, ImportBackup
from services import messages
from services.cli.entries import AgentEntry, Shown, arg, opt
from services.cli.errors import CliError
from services.cli.filesystem_args import build, check_backup_id

IMPORTED = messages.FILE_IMPORTED
FILE_PROBLEM = messages.EXPORT_FILE_PROBLEM


def file_error(path: Path, detail: str, text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR, messages.error_text(detail, f"{text} ({path})"))


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` whole or not at all (a temporary file renamed over ``path``)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise file_error(path, FILE_PROBLEM, f"the export file cannot be written: "
                                             f"{error.strerror}") from None


def read_file(path: Path) -> dict:
    """The checked document of an export file, as the JSON dict to send."""
    try:
        data = read_limited(path, EXPORT_FILE_LIMIT, "the export file")
    except OSError as error:
        raise file_error(path, FILE_PROBLEM, f"the export file cannot be read: "
                                             f"{error.strerror}") from None
    except FileTooLarge as error:
        raise file_error(path, FILE_PROBLEM, str(error)) from None
    try:
        value = parse_bytes(data)
        document = read_document(value)
    except ExportFileError as error:
        raise file_error(path, error.detail, error.text) from None
    from services.settings import load_settings
    from services.trust import export_problem

    if problem := export_problem(load_settings(), document):
        raise file_error(path, NOT_SIGNED, problem)
    return value


def export_request(args: argparse.Namespace) -> ExportBackup:
    check_backup_id(args.backup_id)
    return build(ExportBackup, backup_id=args.backup_id)


def export_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    document = read_document(outcome.payload["result"]["document"])
    write_file(Path(args.file), encode_document(document))
    return Shown([], outcome.to_wire())


DBEXPORT = AgentEntry(
    name="dbexport", manual="drmdbexport", summary="export one backup catalog entry to a file",
    description="write the catalog entry of a backup ID to an export file: versioned JSON "
                "carrying\nthe source host, the backup ID, the hash of the event that recorded "
                "the entry and\nits own SHA-256 integrity hash. Import it on another host with "
                "drmdbimport.",
    commands=(ExportBackup,), request=export_request, show=export_shown,
    options=(arg("backup_id", help="the backup ID to export (10 digits)"),
             opt("file", short="f", required=True, help="the export file to write")))


def imported_lines(backup_id: str) -> list[str]:
    return [messages.line(IMPORTED), f"Imported backup ID = {backup_id}"]


def import_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    return Shown(imported_lines(outcome.payload["result"]["backup_id"]), outcome.to_wire())


DBIMPORT = AgentEntry(
    name="dbimport", manual="drmdbimport", summary="import a backup catalog entry from a file",
    description="check an export file (integrity hash, format version) and record its entry "
                "in this\nhost's catalog with the next local backup ID; ORIGINAL-ID and "
                "HOSTNAME are kept and\na local entry on the same copy groups is superseded "
                "(KAVX0418-I).",
    commands=(ImportBackup,),
    request=lambda args: build(ImportBackup, document=read_file(Path(args.file))),
    show=import_shown, options=(opt("file", short="f", required=True,
                                    help="the export file to read"),))


# -- drmfsbackup -s <host> -auto_import ----------------------------------------------------------
EXPORT_START, EXPORTED = messages.EXPORT_START, messages.EXPORTED
IMPORT_START, AUTO_IMPORTED = messages.IMPORT_START, messages.AUTO_IMPORTED
IMPORT_PENDING = messages.IMPORT_PENDING
MOUNT_START, MOUNTED = messages.SVOL_MOUNT_START, messages.SVOL_MOUNTED


def auto_import_shown(agent, info: dict,
                      echo: bool = True) -> tuple[list[str], dict]:
    """The lines and data of the auto-import half of a backup (spec 04 §14.3): the import's
    outcome comes to this CLI's reply queue; without an agent on the backup server (or none
    answering within the timeout) the import is reported pending (it stays queued)."""
    host, command_id = info["host"], info["command_id"]
    lines = [messages.line(EXPORT_START), messages.line(EXPORTED),
             messages.line(IMPORT_START, f"Host name = {host}")]
    outcome = None
    if info.get("consumer_present"):
        outcome = agent.wait_for(command_id, host)
    if outcome is None:
        lines.append(messages.line(IMPORT_PENDING, host=host, command_id=command_id))
        return lines, {"pending": True, "host": host, "command_id": command_id}
    if outcome.type in ("CommandFailed", "CommandRejected"):
        for line in lines if echo else ():  # shown before the error, as they happened
            print(line)
        raise CliError(outcome.payload["message_id"], f"the import on {host} failed: "
                                                      f"{outcome.payload['text']}")
    result = outcome.payload["result"]
    lines += [messages.line(AUTO_IMPORTED),
              f"Dictionary map file path = {result.get('dictionary') or '-'}",
              f"Imported backup ID = {result['backup_id']}"]
    if "mount" in result:
        lines += [messages.line(MOUNT_START, f"Host name = {host}",
                                f"Imported backup ID = {result['backup_id']}"),
                  *(f"Mount point = {m['mount_point']}" for m in result["mount"]["mounts"]),
                  messages.line(MOUNTED)]
    return lines, outcome.to_wire()
