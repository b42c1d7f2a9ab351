"""``drm ex``: lists the extended commands; ``drm ex fs_backup …`` (or ``drm ex
EX_DRM_FS_BACKUP …``) runs one (``services.cli.main.extended_alias``)."""
from __future__ import annotations

import argparse

from services.cli.entries import CliParser, LocalEntry

NAMES = ("EX_DRM_FS_BACKUP", "EX_DRM_FS_RESTORE", "EX_DRM_BACKUPID_SET", "EX_DRM_RESYNC",
         "EX_DRM_DB_EXPORT", "EX_DRM_DB_IMPORT", "EX_DRM_FTP_PUT", "EX_DRM_FTP_GET",
         "EX_DRM_CACHE_PURGE", "EX_DRM_MOUNT", "EX_DRM_UMOUNT", "EX_DRM_TAPE_BACKUP",
         "EX_DRM_TAPE_RESTORE", "EX_DRM_FS_DEF_CHECK", "EX_DRM_CG_DEF_CHECK",
         "EX_DRM_HOST_DEF_CHECK")
NAMES += ("EX_DRM_SQL_RESTORE", "EX_DRM_SQL_TLOG_BACKUP", "EX_DRM_SQLFILE_PACK",
          "EX_DRM_SQLFILE_EXTRACT")  # SQL restore and logs (issue 13)


def register(subparsers) -> None:
    listing = "\n".join(f"  {name.removeprefix('EX_DRM_').lower():<14} {name}" for name in NAMES)
    parser = subparsers.add_parser(
        "ex", help="the extended commands (EX_DRM_*): drm ex <name> <operation-ID> …",
        description=f"run an extended command: drm ex <name> <operation-ID> [options]\n\n"
                    f"{listing}", formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", help="the extended command")
    parser.set_defaults(func=lambda args: _unknown(parser, args))


def _unknown(parser: CliParser, args) -> int:
    from services.cli.entries import usage_error

    if args.name is None:
        parser.print_help()
        return 0
    raise usage_error(f"{args.name} is not an extended command", parser.format_usage())


EX = LocalEntry(name="ex", register=register)
