"""``EX_DRM_FTP_PUT`` and ``EX_DRM_FTP_GET``: move the operation's export file between the
file server's temporary directory and the backup server's, by FTP, run on the file server
(spec 04 §12: PUT pushes, GET pulls; the backup server only hosts the FTP service).

The remote file is ``<FTP_SUB_DIR>/<operation-ID>/BK/<operation-ID>.drm`` under the FTP root
(``FTP_HOME_DIR`` on the backup server). ``-server`` is a host name; ``DRM_FTP_ADDRESSES`` may
map it to ``address:port``. After the transfer the host records ``ExportFileTransferred``
(user, size, SHA-256, never the password). A GET deletes the old local export file first.

The packed VDI metafiles of a SQL Server operation (``EX_DRM_SQLFILE_PACK``:
``<backup-ID>_<database-ID>.dmp`` in the temporary directory) travel beside the export file,
each its own transfer and record (spec 05 §3.9, §5.2): those of the export file's entry
(``<its backup-ID>_*.dmp``), so the metafiles that travel always match the catalog that
travels; a GET replaces the local ones.
"""
from __future__ import annotations

import argparse
from pathlib import Path, PurePosixPath

from adapters.ftp import DEFAULT_PORT, FtpClient, FtpError
from events.export_document import read_document
from events.extended import RecordFileTransfer
from services import messages
from services.cli.entries import Shown, opt, usage_error
from services.cli.errors import CliError
from services.cli.extended.entry import ANY_OBJECT, ExtendedEntry
from services.cli.extended.filesystem import shown
from services.cli.extended.operation import Operation, operation_error
from services.cli.extended.sqlfile import PACKED, PACKED_MAX, packed_metafiles
from services.cli.filesystem_args import build
from services.cli.transfer import read_file


def ftp_error(text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR, messages.error_text(messages.FTP_FAILED, text))


def client_for(args: argparse.Namespace) -> FtpClient:
    from services.settings import load_settings

    for name in ("server", "user", "password"):
        if not getattr(args, name):
            raise usage_error(f"-{name} is required")
    address = load_settings().ftp_addresses.get(args.server, args.server)
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
    if port and not port.isdigit():
        raise usage_error(f"the FTP address {address!r} of {args.server} has no port number")
    return FtpClient(host, int(port) if port else DEFAULT_PORT, args.user, args.password)


def _recorded(args, operation: Operation, agent, direction: str, remote: str, local: Path,
              moved) -> dict:
    """The host records one transfer (``ExportFileTransferred``)."""
    return agent.ask(build(
        RecordFileTransfer, direction=direction, server=args.server, user=args.user,
        remote_path=remote, file_name=local.name, bytes=moved.bytes,
        sha256=moved.sha256)).to_wire()


def _shown(operation: Operation, direction: str, moved, event: dict,
           metafiles: list[dict]) -> Shown:
    return shown([], direction=direction, bytes=moved.bytes, sha256=moved.sha256,
                 file=str(operation.export_file), event=event, metafiles=metafiles)


def _remote(operation: Operation, name: str) -> str:
    """A packed metafile's place beside the export file on the backup server."""
    return str(PurePosixPath(operation.remote_ftp_path()).parent / name)


def exported_id(operation: Operation) -> str:
    """The backup ID the export file describes (its packed metafiles carry it in their name)."""
    return read_document(read_file(operation.export_file)).body.source_backup_id


def ftp_put(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    """The export file, then the packed VDI metafiles (EX_DRM_SQLFILE_PACK) of its entry."""
    client = client_for(args)
    if not operation.export_file.is_file():
        raise operation_error(f"the export file {operation.export_file} does not exist "
                              f"(run EX_DRM_DB_EXPORT first)")
    backup_id = exported_id(operation)
    packed = [p for p in packed_metafiles(operation.temp_dir)
              if PACKED.fullmatch(p.name).group(1) == backup_id]
    try:
        moved = client.put(operation.export_file, operation.remote_ftp_path())
        sent = [(path, client.put(path, _remote(operation, path.name))) for path in packed]
    except FtpError as error:
        raise ftp_error(str(error)) from None
    event = _recorded(args, operation, agent, "put", operation.remote_ftp_path(),
                      operation.export_file, moved)
    metafiles = [_recorded(args, operation, agent, "put", _remote(operation, path.name), path,
                           done) for path, done in sent]
    return _shown(operation, "put", moved, event, metafiles)


def ftp_get(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    """The export file, then the packed VDI metafiles of its entry beside it on the backup
    server; the old local ones are deleted first (EX_DRM_SQLFILE_EXTRACT deploys what came)."""
    client = client_for(args)
    operation.export_file.unlink(missing_ok=True)  # old backup information goes first
    for path in packed_metafiles(operation.temp_dir):
        path.unlink(missing_ok=True)
    remote_dir = str(PurePosixPath(operation.remote_ftp_path()).parent)
    try:
        moved = client.get(operation.remote_ftp_path(), operation.export_file)
        backup_id = exported_id(operation)
        names = [n for n in client.names(remote_dir)
                 if (m := PACKED.fullmatch(n)) and m.group(1) == backup_id][:PACKED_MAX]
        fetched = [(operation.temp_dir / n, client.get(_remote(operation, n),
                                                       operation.temp_dir / n))
                   for n in names]
    except FtpError as error:
        raise ftp_error(str(error)) from None
    event = _recorded(args, operation, agent, "get", operation.remote_ftp_path(),
                      operation.export_file, moved)
    metafiles = [_recorded(args, operation, agent, "get", _remote(operation, path.name), path,
                           done) for path, done in fetched]
    return _shown(operation, "get", moved, event, metafiles)


FTP_OPTIONS = (opt("server", help="the backup server running the FTP service"),
               opt("user", help="the FTP user"),
               opt("password", help="the FTP password (never recorded or logged)"))

EX_DRM_FTP_PUT = ExtendedEntry(
    name="EX_DRM_FTP_PUT", summary="send the export file to the backup server by FTP",
    description="send <op>.drm from this host's temporary directory to <FTP_SUB_DIR>/<op>/BK "
                "on the\nbackup server's FTP service (binary).",
    commands=(RecordFileTransfer,), steps=ftp_put, options=FTP_OPTIONS, backup_object=ANY_OBJECT)

EX_DRM_FTP_GET = ExtendedEntry(
    name="EX_DRM_FTP_GET", summary="fetch the export file from the backup server by FTP",
    description="fetch <FTP_SUB_DIR>/<op>/BK/<op>.drm from the backup server's FTP service "
                "into this\nhost's temporary directory (the old export file is deleted first).",
    commands=(RecordFileTransfer,), steps=ftp_get, options=FTP_OPTIONS, backup_object=ANY_OBJECT)
