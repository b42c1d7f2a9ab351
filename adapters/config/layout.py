"""The per-host configuration directory, laid out as the manual lays out
``<install>\\DRM`` (spec 03 §4, spec 07 Table 8-2), under ``<data dir>/hosts/<host>/``:

```
<host root>/conf/init.conf              Application Agent configuration (else <data dir>/conf/)
            conf/mail.conf              mail send definition
            conf/raid/DEFAULT.dat       CCI linkage; conf/raid/<name>: copy parameter files (-pf)
            conf/fs/<name>              mount point directory list files
            script/conf/host.dat        host environment settings
            script/conf/_<op-ID>.dat    operation definition files
            script/log/drm_script.log   extended-command trace log (+ .old)
            log/drm_output.log          every message the commands print (+ .old)
            log/drm_pp_trace<1-16>.log  detailed trace log
            script_work/<op-ID>/DB      temporary directory of an operation (file/DB server):
                                        <op-ID>.bid (backup ID file), <op-ID>.drm (export)
<FTP_HOME_DIR>/<FTP_SUB_DIR>/<op-ID>/BK and /AP   temporary directories on the backup server
```

The dictionary map directory of a host is its event store's (``<host root>``, nominally
``<host root>/db``), so its sibling ``script_work`` sits in the host root. With
``SET_DRM_HOSTNAME=1`` the dictionary map directory is the virtual server's ``DRM_DB_PATH``
directory of ``init.conf`` and ``script_work`` sits beside it, as the manual's ``L:\\PTM`` ->
``L:\\script_work``. Every path built from a file's value passes ``adapters.paths.confine``:
the FTP home and the shared directories must lie inside the roots the caller allows.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from adapters.config.operation_file import OperationDefinition, check_operation_id
from adapters.paths import confine, host_dir

SCRIPT_WORK = "script_work"
BACKUP_ID_SUFFIX = ".bid"
EXPORT_SUFFIX = ".drm"


@dataclass(frozen=True)
class HostLayout:
    root: Path

    @property
    def conf(self) -> Path:
        return self.root / "conf"

    @property
    def init_conf(self) -> Path:
        return self.conf / "init.conf"

    @property
    def mail_conf(self) -> Path:
        return self.conf / "mail.conf"

    @property
    def raid(self) -> Path:
        return self.conf / "raid"

    @property
    def cci_default(self) -> Path:
        return self.raid / "DEFAULT.dat"

    @property
    def fs_lists(self) -> Path:
        return self.conf / "fs"

    @property
    def script_conf(self) -> Path:
        return self.root / "script" / "conf"

    @property
    def host_dat(self) -> Path:
        return self.script_conf / "host.dat"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def output_log(self) -> Path:
        return self.log / "drm_output.log"

    @property
    def script_log(self) -> Path:
        return self.root / "script" / "log" / "drm_script.log"

    def trace_log(self, number: int) -> Path:
        return self.log / f"drm_pp_trace{number}.log"

    def operation_file(self, operation_id: str) -> Path:
        return self.script_conf / f"_{check_operation_id(operation_id)}.dat"


def host_layout(data_dir: str | os.PathLike, host: str) -> HostLayout:
    """The layout of ``host`` (``BadName`` for a host name against ``events.names``)."""
    return HostLayout(host_dir(data_dir, host))


def init_conf_path(explicit: Path | None, layout: HostLayout, data_dir: Path) -> Path:
    """``DRM_INIT_CONF`` if set, else the host's own ``conf/init.conf`` when it exists, else the
    data directory's ``conf/init.conf`` (shared by the hosts of a lab)."""
    if explicit is not None:
        return explicit
    return layout.init_conf if layout.init_conf.exists() else data_dir / "conf" / "init.conf"


def db_temp_dir(layout: HostLayout, definition: OperationDefinition,
                cluster_db_path: str | None, roots: Iterable[str | os.PathLike]) -> Path:
    """``script_work/<op>/DB`` beside the dictionary map directory: the host's, or with
    ``SET_DRM_HOSTNAME=1`` the virtual server's ``DRM_DB_PATH`` directory (``cluster_db_path``;
    ``ValueError`` when init.conf has none). Confined to ``roots`` and the host root."""
    op = check_operation_id(definition.operation_id)
    if definition.set_drm_hostname:
        if not cluster_db_path:
            raise ValueError(f"SET_DRM_HOSTNAME=1 but init.conf has no DRM_DB_PATH for the "
                             f"virtual server {definition.db_server_name}")
        base = Path(cluster_db_path).parent
    else:
        base = layout.root
    return confine(base / SCRIPT_WORK / op / "DB", [layout.root, *roots],
                   "temporary directory")


def bk_temp_dirs(definition: OperationDefinition,
                 roots: Iterable[str | os.PathLike]) -> tuple[Path, Path]:
    """``<FTP_HOME_DIR>/<FTP_SUB_DIR>/<op>/BK`` and ``…/AP``, confined to ``roots``."""
    op = check_operation_id(definition.operation_id)
    allowed = list(roots)
    base = Path(definition.ftp_home_dir) / definition.ftp_sub_dir / op
    return (confine(base / "BK", allowed, "FTP_HOME_DIR"),
            confine(base / "AP", allowed, "FTP_HOME_DIR"))


def backup_id_file(temp_dir: Path, operation_id: str) -> Path:
    """The backup ID file ``<op>.bid`` in an operation's temporary directory."""
    return temp_dir / f"{check_operation_id(operation_id)}{BACKUP_ID_SUFFIX}"


def export_file(temp_dir: Path, operation_id: str) -> Path:
    """The backup information file ``<op>.drm`` in an operation's temporary directory."""
    return temp_dir / f"{check_operation_id(operation_id)}{EXPORT_SUFFIX}"
