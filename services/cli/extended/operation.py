"""An operation's files on one host, as an extended command uses them: its definition, its
temporary directory, its backup ID file and its export file (spec 03 §4.6–§4.10, spec 04
§10.8), in the layout of ``adapters.config.layout``.

The definition file and ``host.dat`` are read with ``adapters.config`` (problems named by file,
line and key: ``DRM-10610``). The host's role is ``host.dat``'s ``HOST_ROLE`` (the lab's role
when the host has no ``host.dat``): ``DB`` uses ``script_work/<op>/DB``, ``BK`` uses
``<FTP_HOME_DIR>/<FTP_SUB_DIR>/<op>/BK``. The temporary directory must exist: the check tool
(``EX_DRM_FS_DEF_CHECK <op> -db|-bk``) creates it, as the manual's does.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from adapters.config.host_dat import HostSettings, load_host_dat
from adapters.config.init_conf import InitConfError, load_init_conf
from adapters.config.layout import (HostLayout, backup_id_file, bk_temp_dirs, db_temp_dir,
                                    export_file, host_layout, init_conf_path)
from adapters.config.lines import ConfigError
from adapters.config.operation_file import OperationDefinition, load_operation_file
from adapters.files import read_text_limited
from adapters.paths import BadName, PathOutsideRoot
from events.operation_ids import BadOperationId
from services import messages
from services.cli.errors import CliError

BID_LIMIT = 64


def operation_error(text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR,
                    messages.error_text(messages.OPERATION_PROBLEM, text))


def definition_error(text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR,
                    messages.error_text(messages.DEFINITION_INVALID, text))


@dataclass(frozen=True)
class Operation:
    """One operation as one host sees it (see the module docstring)."""

    operation_id: str
    host: str
    role: str  # "DB" or "BK"
    definition: OperationDefinition
    temp_dir: Path
    layout: HostLayout
    settings: HostSettings

    @property
    def msg_output(self) -> str:
        return self.settings.msg_output

    @property
    def bid_file(self) -> Path:
        return backup_id_file(self.temp_dir, self.operation_id)

    @property
    def export_file(self) -> Path:
        return export_file(self.temp_dir, self.operation_id)

    @property
    def target_host(self) -> str:
        """The host the basic commands go to: on a clustered file server
        (``SET_DRM_HOSTNAME=1``) the definition's virtual server, else this host."""
        if self.role == "DB" and self.definition.set_drm_hostname:
            return self.definition.db_server_name
        return self.host

    def remote_ftp_path(self) -> str:
        """Where the export file lies under the backup server's FTP root."""
        op = self.operation_id
        return f"{self.definition.ftp_sub_dir}/{op}/BK/{op}.drm"

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
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise operation_error(f"{path} cannot be written: {error.strerror}") from None


def host_settings(layout: HostLayout, data_dir: Path, host: str) -> HostSettings:
    """``host.dat``; without one, the manual's defaults with the lab's role for the host."""
    try:
        return load_host_dat(layout.host_dat)
    except FileNotFoundError:
        return HostSettings(host_role=lab_role(data_dir, host))
    except ConfigError as error:
        raise definition_error("; ".join(str(p) for p in error.problems)) from None


def lab_role(data_dir: Path, host: str) -> str:
    from adapters.lab.provision import stored_lab

    lab = stored_lab(data_dir)
    entry = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == host.lower()), None)
    return "BK" if entry is not None and entry.role == "BK" else "DB"


def load_operation(data_dir: Path, host: str, operation_id: str,
                   init_conf: Path | None = None,
                   backup_object: str | tuple[str, ...] | None = "FILESYSTEM") -> Operation:
    """The operation ``operation_id`` on ``host`` (see the module docstring); its
    ``BACKUP_OBJECT`` must be ``backup_object`` (``MSSQL`` for EX_DRM_SQL_*, issue 13), or
    anything when that is ``None`` (the common commands: backup ID file, export/import, FTP,
    mount, tape, resync)."""
    layout = host_layout(data_dir, host)
    try:
        definition = load_operation_file(layout.script_conf, operation_id)
    except BadOperationId as error:
        raise definition_error(str(error)) from None
    except FileNotFoundError:
        raise definition_error(f"{layout.script_conf / f'_{operation_id}.dat'}: the operation "
                               f"definition file does not exist") from None
    except ConfigError as error:
        raise definition_error("; ".join(str(p) for p in error.problems)) from None
    served = ((definition.backup_object,) if backup_object is None else
              (backup_object,) if isinstance(backup_object, str) else backup_object)
    if definition.backup_object not in served:
        raise definition_error(f"{definition.file}: BACKUP_OBJECT: {definition.backup_object} "
                               f"operations are not served by this command "
                               f"({', '.join(served)})")
    settings = host_settings(layout, data_dir, host)
    try:
        temp = (bk_temp_dirs(definition, [data_dir])[0] if settings.host_role == "BK" else
                db_temp_dir(layout, definition, _cluster_path(definition, layout, data_dir,
                                                              init_conf), [data_dir]))
    except (BadName, PathOutsideRoot, ValueError) as error:
        raise definition_error(f"{definition.file}: {error}") from None
    if not temp.is_dir():
        side = "bk" if settings.host_role == "BK" else "db"
        raise operation_error(f"the temporary directory {temp} does not exist (run "
                              f"EX_DRM_FS_DEF_CHECK {definition.operation_id} -{side})")
    return Operation(definition.operation_id, host, settings.host_role, definition, temp,
                     layout, settings)


def _cluster_path(definition: OperationDefinition, layout: HostLayout, data_dir: Path,
                  init_conf: Path | None) -> str | None:
    if not definition.set_drm_hostname:
        return None
    try:
        conf = load_init_conf(init_conf_path(init_conf, layout, data_dir))
    except InitConfError as error:
        raise ValueError(str(error)) from None
    return conf.db_path_for(definition.db_server_name)
