"""The check tools of the extended commands (spec 03 §4.4, §4.6, §4.11; spec 08 §2.20):

- ``EX_DRM_FS_DEF_CHECK <operation-ID> {-db | -bk}``: check the operation definition file and
  create the operation's temporary directories;
- ``EX_DRM_CG_DEF_CHECK <operation-ID> -cg_file <copy-group list file>`` (options [INFERRED]:
  the user guide defers them to the CLI reference): check a copy-group list file;
- ``EX_DRM_HOST_DEF_CHECK {-db | -bk} -f <host environment settings file>``.

Also ``drm ex fs-def-check …`` (or ``fs_def_check``, ``EX_DRM_FS_DEF_CHECK``). They return 0 when
the file is valid and 1 otherwise (spec 08 §1.1), the problems in ``KAVX0006-E`` with their file,
line and key. The console shows no start/end framing of the basic commands: an extended
command writes its start and end to ``drm_script.log`` instead.
"""
from __future__ import annotations

import argparse

from events.definitions import CheckCopyGroupList, CheckHostSettings, CheckOperationDefinition
from events.operation_ids import BadOperationId, check_operation_id
from services import messages
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error

SIDES = (flag("db", "check for a file or database server"),
         flag("bk", "check for the backup server"))


def side_of(args: argparse.Namespace, command: str) -> str:
    if args.db == args.bk:
        raise usage_error(f"{command} needs exactly one of -db and -bk")
    return "db" if args.db else "bk"


def operation_of(args: argparse.Namespace) -> str:
    try:
        return check_operation_id(args.operation_id)
    except BadOperationId as error:
        raise usage_error(str(error)) from None


def checked_shown(args: argparse.Namespace, outcomes: list, agent) -> Shown:
    [outcome] = outcomes
    result = outcome.payload["result"]
    lines = [messages.line(messages.DEFINITION_VALID, file=result["file"])]
    lines += [messages.line(messages.TEMP_DIRECTORY_READY, directory=path)
              for path in result.get("directories", ())]
    return Shown(lines, outcome.to_wire())


FS_DEF_CHECK = AgentEntry(
    name="EX_DRM_FS_DEF_CHECK", manual="EX_DRM_FS_DEF_CHECK",
    summary="check an operation definition file and create its temporary directories",
    description="check the operation definition file script/conf/_<operation-ID>.dat of the "
                "host (file system)\nand create the operation's temporary directories: with "
                "-db script_work/<op>/DB beside\nthe dictionary map directory, with -bk "
                "<FTP_HOME_DIR>/<FTP_SUB_DIR>/<op>/BK and AP.",
    commands=(CheckOperationDefinition,),
    request=lambda args: CheckOperationDefinition(
        operation_id=operation_of(args), side=side_of(args, "EX_DRM_FS_DEF_CHECK")),
    show=checked_shown, framed=False, timeout=60.0,
    options=(arg("operation_id", help="the operation ID (script/conf/_<operation-ID>.dat)"),
             *SIDES))


def cg_request(args: argparse.Namespace) -> CheckCopyGroupList:
    if not args.cg_file:
        raise usage_error("EX_DRM_CG_DEF_CHECK needs -cg_file <copy-group list file>")
    return CheckCopyGroupList(operation_id=operation_of(args), file=args.cg_file)


CG_DEF_CHECK = AgentEntry(
    name="EX_DRM_CG_DEF_CHECK", manual="EX_DRM_CG_DEF_CHECK",
    summary="check a copy-group list file",
    description="check a copy-group list file (one <group>,<device> per line) against the "
                "host's copy groups.\nA relative path is taken in the host's directory.",
    commands=(CheckCopyGroupList,), request=cg_request, show=checked_shown, framed=False,
    timeout=60.0,
    options=(arg("operation_id", help="the operation ID"),
             opt("cg_file", help="the copy-group list file")))


def host_request(args: argparse.Namespace) -> CheckHostSettings:
    side = side_of(args, "EX_DRM_HOST_DEF_CHECK")
    if not args.file:
        raise usage_error("EX_DRM_HOST_DEF_CHECK needs -f <host environment settings file>")
    return CheckHostSettings(side=side, file=args.file)


HOST_DEF_CHECK = AgentEntry(
    name="EX_DRM_HOST_DEF_CHECK", manual="EX_DRM_HOST_DEF_CHECK",
    summary="check a host environment settings file (host.dat)",
    description="check a host environment settings file; HOST_ROLE must be DB with -db and BK "
                "with -bk.\nA relative path is taken in the host's script/conf directory.",
    commands=(CheckHostSettings,), request=host_request, show=checked_shown, framed=False,
    timeout=60.0,
    options=(*SIDES, opt("file", short="f", dest="file",
                         help="the host environment settings file (host.dat)")))
