"""An operation's files on one host: its definition, its temporary directory, its backup ID
file and its export file (spec 03 §4.6–§4.10, spec 04 §10.8).

Layout under the host's directory ``<data dir>/hosts/<host>/``:

    script/conf/_<operation-ID>.dat          the operation definition file
    script/conf/host.dat                     HOST_ROLE (DB|BK), MSG_OUTPUT, MAX_LOG_LINES
    script_work/<operation-ID>/DB/           temporary directory of a file/database server
    <FTP_HOME_DIR>/<FTP_SUB_DIR>/<operation-ID>/BK/   temporary directory of a backup server
    <temporary directory>/<operation-ID>.bid  the backup ID file (10 digits and a newline)
    <temporary directory>/<operation-ID>.drm  the export file (backup information file)

``FTP_HOME_DIR`` relative is relative to the host's directory. Operation IDs are
case-insensitive: the definition file is found whatever the case of the ID given. The host's
role comes from ``host.dat`` when it names one, else from the lab (``BK`` or not).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from adapters.files import LIST_FILE_LIMIT, read_text_limited
from adapters.paths import BadName, PathOutsideRoot, confine, host_dir
from events.extended import BadOperationId, check_operation_id
from services import messages
from services.cli.errors import CliError
from services.cli.extended.definition import (DefinitionError, OperationDefinition,
                                              parse_definition, parse_host_settings)

BID_LIMIT = 64


def operation_error(text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR,
                    messages.error_text(messages.OPERATION_PROBLEM, text))


def conf_dir(data_dir: Path, host: str) -> Path:
    return host_dir(data_dir, host) / "script" / "conf"


def find_definition(data_dir: Path, host: str, operation_id: str) -> Path:
    """The definition file of ``operation_id`` (any case) in the host's ``script/conf``."""
    try:
        check_operation_id(operation_id)
    except BadOperationId as error:
        raise operation_error(str(error)) from None
    folder = conf_dir(data_dir, host)
    wanted = f"_{operation_id}.dat".lower()
    matches = sorted(p for p in folder.glob("_*.dat") if p.name.lower() == wanted) \
        if folder.is_dir() else []
    if not matches:
        raise operation_error(f"the operation definition file _{operation_id}.dat does not "
                              f"exist in {folder}")
    return matches[0]


@dataclass(frozen=True)
class Operation:
    """One operation as one host sees it (see the module docstring)."""

    operation_id: str
    host: str
    role: str  # "DB" or "BK"
    definition: OperationDefinition
    temp_dir: Path
    msg_output: str = "NORMAL"

    @property
    def bid_file(self) -> Path:
        return self.temp_dir / f"{self.operation_id}.bid"

    @property
    def export_file(self) -> Path:
        return self.temp_dir / f"{self.operation_id}.drm"

    @property
    def target_host(self) -> str:
        """The host the basic commands go to: the definition's server on a clustered file
        server (``SET_DRM_HOSTNAME=1``), else this host."""
        if self.role == "DB" and self.definition.set_drm_hostname:
            return self.definition.db_server_name
        return self.host

    def ftp_dir(self, host_root: Path) -> Path:
        """``<FTP_HOME_DIR>/<FTP_SUB_DIR>/<op>`` on a backup server."""
        home = Path(self.definition.ftp_home_dir)
        home = home if home.is_absolute() else host_root / home
        return home / self.definition.ftp_sub_dir / self.operation_id

    def remote_ftp_path(self) -> str:
        """Where the export file lies relative to the FTP root of the backup server."""
        return f"{self.definition.ftp_sub_dir}/{self.operation_id}/BK/{self.operation_id}.drm"

    # -- the backup ID file ----------------------------------------------------------------------
    def read_backup_id(self) -> str:
        try:
            text = read_text_limited(self.bid_file, BID_LIMIT, "the backup ID file").strip()
        except FileNotFoundError:
            raise operation_error(f"the backup ID file {self.bid_file} does not exist") from None
        except (OSError, ValueError) as error:
            raise operation_error(f"the backup ID file {self.bid_file} cannot be read: "
                                  f"{error}") from None
        if not (len(text) == 10 and text.isdigit()):
            raise operation_error(f"the backup ID file {self.bid_file} holds no backup ID")
        return text

    def write_backup_id(self, backup_id: str) -> None:
        write_whole(self.bid_file, f"{backup_id}\n".encode())


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` whole or not at all (a temporary file renamed over ``path``)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise operation_error(f"{path} cannot be written: {error.strerror}") from None


def lab_role(data_dir: Path, host: str) -> str:
    from adapters.lab.provision import stored_lab

    lab = stored_lab(data_dir)
    entry = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == host.lower()), None)
    return "BK" if entry is not None and entry.role == "BK" else "DB"


def load_operation(data_dir: Path, host: str, operation_id: str) -> Operation:
    """The operation ``operation_id`` on ``host``: definition read and checked, temporary
    directory located (and created, as the manual's check tools do); errors name the file."""
    path = find_definition(data_dir, host, operation_id)
    try:
        text = read_text_limited(path, LIST_FILE_LIMIT, "the operation definition file")
        definition = parse_definition(text, path.name)
    except DefinitionError as error:
        raise operation_error(str(error)) from None
    except (OSError, ValueError) as error:
        raise operation_error(f"{path} cannot be read: {error}") from None
    root = host_dir(data_dir, host)
    settings = host_settings(conf_dir(data_dir, host) / "host.dat")
    role = settings.get("HOST_ROLE") or lab_role(data_dir, host)
    operation = Operation(path.stem[1:], host, role, definition, root,
                          settings.get("MSG_OUTPUT") or "NORMAL")
    try:
        if role == "BK":
            home = Path(definition.ftp_home_dir)
            base = home if home.is_absolute() else confine(home, [root], "FTP_HOME_DIR")
            temp = confine(Path(definition.ftp_sub_dir) / operation.operation_id / "BK", [base],
                           "the temporary directory")
        else:
            temp = confine(Path("script_work") / operation.operation_id / "DB", [root],
                           "the temporary directory")
    except (BadName, PathOutsideRoot) as error:
        raise operation_error(str(error)) from None
    try:
        temp.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise operation_error(f"the temporary directory {temp} cannot be created: "
                              f"{error.strerror}") from None
    return Operation(operation.operation_id, host, role, definition, temp, operation.msg_output)


def host_settings(path: Path) -> dict[str, str]:
    """``host.dat``'s values (empty when the file is absent)."""
    if not path.is_file():
        return {}
    try:
        return parse_host_settings(read_text_limited(path, LIST_FILE_LIMIT, "host.dat"),
                                   path.name)
    except DefinitionError as error:
        raise operation_error(str(error)) from None
    except (OSError, ValueError) as error:
        raise operation_error(f"{path} cannot be read: {error}") from None
