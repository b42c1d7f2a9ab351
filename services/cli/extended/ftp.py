"""``EX_DRM_FTP_PUT`` and ``EX_DRM_FTP_GET``: move the operation's export file between the
file server's temporary directory and the backup server's, by FTP, run on the file server
(spec 04 §12: PUT pushes, GET pulls; the backup server only hosts the FTP service).

The remote file is ``<FTP_SUB_DIR>/<operation-ID>/BK/<operation-ID>.drm`` under the FTP root
(``FTP_HOME_DIR`` on the backup server). ``-server`` is a host name; ``DRM_FTP_ADDRESSES`` may
map it to ``address:port``. After the transfer the host records ``ExportFileTransferred``
(user, size, SHA-256, never the password). A GET deletes the old local export file first.
"""
from __future__ import annotations

import argparse

from adapters.ftp import DEFAULT_PORT, FtpClient, FtpError
from events.extended import RecordFileTransfer
from services import messages
from services.cli.entries import Shown, opt, usage_error
from services.cli.errors import CliError
from services.cli.extended.entry import ExtendedEntry
from services.cli.extended.filesystem import shown
from services.cli.extended.operation import Operation, operation_error
from services.cli.filesystem_args import build


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


def _moved(args, operation: Operation, agent, direction: str, moved) -> Shown:
    outcome = agent.ask(build(
        RecordFileTransfer, direction=direction, server=args.server, user=args.user,
        remote_path=operation.remote_ftp_path(), file_name=operation.export_file.name,
        bytes=moved.bytes, sha256=moved.sha256))
    return shown([], direction=direction, bytes=moved.bytes, sha256=moved.sha256,
                 file=str(operation.export_file), event=outcome.to_wire())


def ftp_put(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    client = client_for(args)
    if not operation.export_file.is_file():
        raise operation_error(f"the export file {operation.export_file} does not exist "
                              f"(run EX_DRM_DB_EXPORT first)")
    try:
        moved = client.put(operation.export_file, operation.remote_ftp_path())
    except FtpError as error:
        raise ftp_error(str(error)) from None
    return _moved(args, operation, agent, "put", moved)


def ftp_get(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    client = client_for(args)
    operation.export_file.unlink(missing_ok=True)  # old backup information goes first
    try:
        moved = client.get(operation.remote_ftp_path(), operation.export_file)
    except FtpError as error:
        raise ftp_error(str(error)) from None
    return _moved(args, operation, agent, "get", moved)


FTP_OPTIONS = (opt("server", help="the backup server running the FTP service"),
               opt("user", help="the FTP user"),
               opt("password", help="the FTP password (never recorded or logged)"))

EX_DRM_FTP_PUT = ExtendedEntry(
    name="EX_DRM_FTP_PUT", summary="send the export file to the backup server by FTP",
    description="send <op>.drm from this host's temporary directory to <FTP_SUB_DIR>/<op>/BK "
                "on the\nbackup server's FTP service (binary).",
    commands=(RecordFileTransfer,), steps=ftp_put, options=FTP_OPTIONS)

EX_DRM_FTP_GET = ExtendedEntry(
    name="EX_DRM_FTP_GET", summary="fetch the export file from the backup server by FTP",
    description="fetch <FTP_SUB_DIR>/<op>/BK/<op>.drm from the backup server's FTP service "
                "into this\nhost's temporary directory (the old export file is deleted first).",
    commands=(RecordFileTransfer,), steps=ftp_get, options=FTP_OPTIONS)
