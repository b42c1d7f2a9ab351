"""Option values shared by the commands of the manual: target lists, backup IDs, copy groups,
and the typed command built from them.

Input is checked here, before anything is sent: a bad combination, a malformed backup ID or an
option the product does not support yet is a usage error (``KAVX0006-E`` with ``DRM-90100``,
exit code 1, like argparse's own usage errors) and no command leaves the CLI.
"""
from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any, Sequence, TypeVar

from pydantic import ValidationError

from adapters.files import LIST_FILE_LIMIT, read_text_limited
from events.command_base import Command
from events.fs_commands import BACKUP_ID_PATTERN, COPY_GROUP_PATTERN
from events.names import BadName, check_path
from services.cli.entries import usage_error

C = TypeVar("C", bound=Command)


def read_target_file(path: Path) -> tuple[str, ...]:
    """A target list file: one mount point per line; blank lines and ``#`` comments skipped."""
    try:
        text = read_text_limited(path, LIST_FILE_LIMIT, "the target list file")
    except (OSError, ValueError) as error:
        raise usage_error(f"the target list file {path} cannot be read: {error}") from None
    targets = tuple(line.split("#", 1)[0].strip() for line in text.splitlines())
    targets = tuple(normalize(target) for target in targets if target)
    if not targets:
        raise usage_error(f"the target list file {path} names no mount point")
    return targets


def expand_target(value: str) -> tuple[str, ...]:
    """``{ mount-point | target-list-file }``: an existing regular file is a list, else a
    mount point."""
    try:
        check_path(value, "mount point or target list file")
    except BadName as error:
        raise usage_error(str(error)) from None
    path = Path(value)
    if path.is_file():
        return read_target_file(path)
    return (normalize(value),)


def split_targets(value: str) -> tuple[str, ...]:
    """``-target mp1,mp2``."""
    targets = tuple(normalize(part.strip()) for part in value.split(",") if part.strip())
    if not targets:
        raise usage_error("-target names no mount point")
    return targets


def normalize(mount_point: str) -> str:
    """Drop a trailing path separator (``/mnt/fs1/`` is ``/mnt/fs1``); a relative path that is
    a directory here becomes absolute (symbolic links are kept, not resolved)."""
    if not os.path.isabs(mount_point) and os.path.isdir(mount_point):
        mount_point = os.path.abspath(mount_point)
    stripped = mount_point.rstrip("/")
    return stripped or mount_point


def check_backup_id(value: str | None) -> str | None:
    if value is not None and not _matches(BACKUP_ID_PATTERN, value):
        raise usage_error(f"the backup ID {value!r} is invalid: a backup ID is 10 digits, "
                          f"such as 0000000001")
    return value


def check_copy_group(value: str | None) -> str | None:
    if value is not None and not _matches(COPY_GROUP_PATTERN, value):
        raise usage_error(f"the copy group {value!r} is invalid: give <group>,<device>, "
                          f"such as VG01,VOL01")
    return value


def exactly_one(args: argparse.Namespace, names: Sequence[str], what: str) -> None:
    given = [name for name in names if getattr(args, name) is not None]
    if len(given) != 1:
        shown = " or ".join(f"-{name}" for name in names)
        problem = "both were given" if given else "neither was given"
        raise usage_error(f"{what} needs exactly one of {shown} ({problem})")


def build(model: type[C], **values: Any) -> C:
    """The typed command; a value its model refuses is a usage error naming the field."""
    try:
        return model(**values)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}"
                             for e in error.errors())
        raise usage_error(problems) from None


def _matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern.strip("^$"), value) is not None
