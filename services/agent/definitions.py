"""Handlers of ``events.definitions``: the check tools ``EX_DRM_FS_DEF_CHECK``,
``EX_DRM_CG_DEF_CHECK`` and ``EX_DRM_HOST_DEF_CHECK`` on the host's own files.

Every check reads and validates first and creates directories only when nothing is wrong, so a
file with problems changes nothing: the command is rejected with ``KAVX0006-E`` and the detail
``DRM-10610`` whose text lists every problem with its file, line and key. The host's files are
those of ``adapters.config.layout`` under the agent's data directory; a file named on the
command line (``-f``, ``-cg_file``) is confined to the host's root and the data directory.
"""
from __future__ import annotations

from pathlib import Path

from adapters.config.cg_list import load_cg_list
from adapters.config.host_dat import load_host_dat
from adapters.config.init_conf import InitConfError, load_init_conf
from adapters.config.layout import (HostLayout, bk_temp_dirs, db_temp_dir, host_layout,
                                    init_conf_path)
from adapters.config.lines import ConfigError
from adapters.config.operation_file import OperationDefinition, load_operation_file
from adapters.paths import BadName, PathOutsideRoot, confine
from events.base import Payload
from events.definitions import (CheckCopyGroupList, CheckHostSettings, CheckOperationDefinition,
                                DefinitionChecked)
from events.operation_ids import BadOperationId
from events.outcomes import CommandCompleted
from services import messages
from services.agent.application_port import ApplicationError  # issue 13
from services.agent.errors import CommandRejection, reject
from services.agent.service import AgentContext

MAX_PROBLEMS_SHOWN = 20
ROLE_OF_SIDE = {"db": "DB", "bk": "BK"}


def _bad(problems: list[str]) -> CommandRejection:
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    return reject(messages.DEFINITION_INVALID, text)


def _config_problems(error: ConfigError) -> list[str]:
    return [str(problem) for problem in error.problems]


def layout_of(context: AgentContext) -> tuple[HostLayout, Path]:
    data_dir = context.ports.data_dir or getattr(context.ports.settings, "data_dir", None)
    if data_dir is None:
        raise reject(messages.DEFINITION_INVALID, "the agent has no data directory")
    return host_layout(data_dir, context.host), Path(data_dir)


def read_operation(layout: HostLayout, operation_id: str) -> OperationDefinition:
    """The operation's definition, or a rejection naming what is wrong (nothing changed)."""
    try:
        return load_operation_file(layout.script_conf, operation_id)
    except BadOperationId as error:
        raise _bad([str(error)]) from None
    except FileNotFoundError:
        raise _bad([f"{layout.operation_file(operation_id)}: the operation definition file "
                    f"does not exist"]) from None
    except ConfigError as error:
        raise _bad(_config_problems(error)) from None


def check_operation(command: CheckOperationDefinition, context: AgentContext) -> list[Payload]:
    layout, data_dir = layout_of(context)
    definition = read_operation(layout, command.operation_id)
    where = definition.file
    problems: list[str] = []
    if definition.backup_object != command.backup_object:
        tool = "EX_DRM_SQL_DEF_CHECK" if command.backup_object == "MSSQL" \
            else "EX_DRM_FS_DEF_CHECK"
        problems.append(f"{where}: BACKUP_OBJECT: {definition.backup_object} is not checked "
                        f"by {tool} (it checks {command.backup_object})")
    try:
        if command.side == "db":
            problems += _db_side_problems(definition, context)
            targets = [_db_temp(layout, data_dir, definition, context)]
        else:
            targets = list(bk_temp_dirs(definition, [data_dir]))
            if not Path(definition.ftp_home_dir).is_dir():
                problems.append(f"{where}: FTP_HOME_DIR: {definition.ftp_home_dir} is not a "
                                f"directory (it must be the FTP service's home directory)")
    except (PathOutsideRoot, BadName, ValueError) as error:
        raise _bad(problems + [f"{where}: {error}"]) from None
    if problems:
        raise _bad(problems)
    created = _make_dirs(targets)
    checked = DefinitionChecked(kind="operation", file=where, digest=definition.digest,
                                side=command.side, operation_id=definition.operation_id,
                                created=tuple(str(path) for path in created))
    return [checked, CommandCompleted(command=command.name, result={
        "file": where, "digest": definition.digest, "operation_id": definition.operation_id,
        "directories": [str(path) for path in targets]})]


def _db_side_problems(definition: OperationDefinition, context: AgentContext) -> list[str]:
    where = definition.file
    problems = []
    if definition.db_server_name.casefold() != context.host.casefold():
        problems.append(f"{where}: DB_SERVER_NAME: {definition.db_server_name} is not this "
                        f"host ({context.host}); the check runs on the file server")
    if definition.backup_object == "MSSQL":  # issue 13: EX_DRM_SQL_DEF_CHECK
        return problems + sql_definition_problems(definition, context)
    if not definition.instance_is_list_file and context.view.volumes \
            and definition.instance_name not in context.view.volumes:
        problems.append(f"{where}: INSTANCE_NAME: {definition.instance_name} is not a mount "
                        f"point of this host's dictionary map")
    return problems


def _db_temp(layout: HostLayout, data_dir: Path, definition: OperationDefinition,
             context: AgentContext) -> Path:
    cluster_path = None
    if definition.set_drm_hostname:
        explicit = getattr(context.ports.settings, "init_conf", None)
        try:
            conf = load_init_conf(init_conf_path(explicit, layout, data_dir))
        except InitConfError as error:
            raise ValueError(str(error)) from None
        cluster_path = conf.db_path_for(definition.db_server_name)
    return db_temp_dir(layout, definition, cluster_path, [data_dir])


def sql_definition_problems(definition: OperationDefinition, context: AgentContext) -> list[str]:
    """Issue 13: INSTANCE_NAME is an SQL Server instance of this host and every TARGET_NAME
    one of its databases (as the instance answers, else as the application map knows it)."""
    where, instance = definition.file, definition.instance_name
    port = context.ports.application("sqlserver")
    try:
        if port is not None:
            names = {n.lower() for n in port.instances()}
            databases = {d.name.lower() for d in port.databases(instance)} \
                if instance.lower() in names and port.status(instance) == "RUNNING" else None
        else:
            known = context.view.sql.instances
            names = set(known)
            databases = {d.name.lower() for d in known[instance.lower()].databases} \
                if instance.lower() in known else None
    except ApplicationError as error:
        return [f"{where}: INSTANCE_NAME: {instance}: {error}"]
    if instance.lower() not in names:
        return [f"{where}: INSTANCE_NAME: {instance} is not an SQL Server instance of this "
                f"host"]
    missing = [t for t in definition.target_names if databases is not None
               and t.lower() not in databases]
    return [f"{where}: TARGET_NAME: {instance} has no database {name}" for name in missing]


def _make_dirs(targets: list[Path]) -> list[Path]:
    created = []
    for target in targets:
        if not target.is_dir():
            try:
                target.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise reject(messages.DEFINITION_INVALID, f"the temporary directory {target} "
                             f"cannot be created: {error.strerror or error}") from None
            created.append(target)
    return created


def _named_file(layout: HostLayout, data_dir: Path, text: str, base: Path, what: str) -> Path:
    try:
        return confine(text, [base, layout.root, data_dir], what)
    except (PathOutsideRoot, BadName) as error:
        raise _bad([str(error)]) from None


def check_cg_list(command: CheckCopyGroupList, context: AgentContext) -> list[Payload]:
    layout, data_dir = layout_of(context)
    read_operation(layout, command.operation_id)  # the operation must be defined here
    path = _named_file(layout, data_dir, command.file, layout.root, "copy-group list file")
    try:
        listed = load_cg_list(path)
    except FileNotFoundError:
        raise _bad([f"{path}: the copy-group list file does not exist"]) from None
    except ConfigError as error:
        raise _bad(_config_problems(error)) from None
    known = context.view.copy_groups
    if not known:
        raise _bad([f"{listed.file}: this host's dictionary maps know no copy group yet "
                    f"(drmfsdisplay -refresh builds them)"])
    unknown = [cg for cg in listed.copy_groups if cg not in known]
    if unknown:
        raise _bad([f"{listed.file}: {cg}: not a copy group of this host" for cg in unknown])
    checked = DefinitionChecked(kind="copy_group_list", file=listed.file, digest=listed.digest,
                                operation_id=command.operation_id)
    return [checked, CommandCompleted(command=command.name, result={
        "file": listed.file, "digest": listed.digest, "copy_groups": list(listed.copy_groups)})]


def check_host(command: CheckHostSettings, context: AgentContext) -> list[Payload]:
    layout, data_dir = layout_of(context)
    path = _named_file(layout, data_dir, command.file, layout.script_conf,
                       "host environment settings file")
    try:
        host = load_host_dat(path)
    except FileNotFoundError:
        raise _bad([f"{path}: the host environment settings file does not exist"]) from None
    except ConfigError as error:
        raise _bad(_config_problems(error)) from None
    if host.host_role != ROLE_OF_SIDE[command.side]:
        raise _bad([f"{host.file}: HOST_ROLE: {host.host_role} does not match "
                    f"-{command.side} (HOST_ROLE={ROLE_OF_SIDE[command.side]} expected)"])
    checked = DefinitionChecked(kind="host", file=host.file, digest=host.digest,
                                side=command.side)
    return [checked, CommandCompleted(command=command.name, result={
        "file": host.file, "digest": host.digest, "host_role": host.host_role,
        "max_log_lines": host.max_log_lines, "msg_output": host.msg_output})]


DEFINITION_COMMAND_HANDLERS = [
    (CheckOperationDefinition, check_operation),
    (CheckCopyGroupList, check_cg_list),
    (CheckHostSettings, check_host),
]
