"""The operation definition file ``_<operation-ID>.dat`` (file system, Table 3-46) and the host
environment settings file ``host.dat`` (Table 3-45): pure parsers with the manual's limits.

``KEY=value`` lines; a line whose first non-blank character is ``#`` and a blank line are
skipped; every key of the table must be present once (``FTP_SUB_DIR`` may be empty: ``HPtM``);
an unknown key, a repeated key, a value over its limit or a bad value is a ``DefinitionError``
naming file, line and key. Only ``BACKUP_OBJECT=FILESYSTEM`` is served so far.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_LINES = 1000
LIMITS = {"BACKUP_OBJECT": 32, "DB_SERVER_NAME": 128, "INSTANCE_NAME": 128, "TARGET_NAME": 1024,
          "FTP_HOME_DIR": 128, "FTP_SUB_DIR": 128, "SET_DRM_HOSTNAME": 1}
DEFAULT_SUB_DIR = "HPtM"
HOST_KEYS = {"HOST_ROLE": ("DB", "BK"), "MSG_OUTPUT": ("NORMAL", "DETAIL"), "MAX_LOG_LINES": ()}


class DefinitionError(ValueError):
    """A definition file the manual's rules refuse; the text names file, line and key."""


@dataclass(frozen=True)
class OperationDefinition:
    backup_object: str
    db_server_name: str
    instance_name: str
    ftp_home_dir: str
    ftp_sub_dir: str
    set_drm_hostname: bool
    target_name: str = ""


def _pairs(text: str, source: str) -> list[tuple[int, str, str]]:
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise DefinitionError(f"{source}: more than {MAX_LINES} lines")
    found = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if any(ord(c) < 0x20 and c != "\t" or ord(c) > 0x7e for c in line):
            raise DefinitionError(f"{source}: line {number}: only printable ASCII is allowed")
        key, equals, value = line.partition("=")
        if not equals:
            raise DefinitionError(f"{source}: line {number}: expected KEY=value")
        found.append((number, key.strip().upper(), value.strip()))
    return found


def parse_definition(text: str, source: str) -> OperationDefinition:
    values: dict[str, str] = {}
    for number, key, value in _pairs(text, source):
        where = f"{source}: line {number}: {key}"
        if key not in LIMITS:
            raise DefinitionError(f"{where}: unknown key")
        if key in values:
            raise DefinitionError(f"{where}: given twice")
        if len(value) > LIMITS[key]:
            raise DefinitionError(f"{where}: longer than {LIMITS[key]} characters")
        values[key] = value.strip('"') if key == "INSTANCE_NAME" else value
    missing = [k for k in LIMITS if k not in values]
    if missing:
        raise DefinitionError(f"{source}: {missing[0]}: missing (every key must be written)")
    if values["BACKUP_OBJECT"] != "FILESYSTEM":
        raise DefinitionError(f"{source}: BACKUP_OBJECT: {values['BACKUP_OBJECT']!r} is not "
                              f"served (FILESYSTEM only)")
    for key in ("DB_SERVER_NAME", "INSTANCE_NAME", "FTP_HOME_DIR"):
        if not values[key]:
            raise DefinitionError(f"{source}: {key}: a value is required")
    if values["TARGET_NAME"]:
        raise DefinitionError(f"{source}: TARGET_NAME: must be empty for a file system")
    sub = values["FTP_SUB_DIR"] or DEFAULT_SUB_DIR
    if "\\" in sub or "/" in sub or sub in (".", ".."):
        raise DefinitionError(f"{source}: FTP_SUB_DIR: {sub!r} is not one directory name")
    if values["SET_DRM_HOSTNAME"] not in ("0", "1"):
        raise DefinitionError(f"{source}: SET_DRM_HOSTNAME: must be 0 or 1")
    return OperationDefinition("FILESYSTEM", values["DB_SERVER_NAME"], values["INSTANCE_NAME"],
                               values["FTP_HOME_DIR"], sub, values["SET_DRM_HOSTNAME"] == "1")


def parse_host_settings(text: str, source: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, key, value in _pairs(text, source):
        where = f"{source}: line {number}: {key}"
        if key not in HOST_KEYS:
            raise DefinitionError(f"{where}: unknown key")
        allowed = HOST_KEYS[key]
        if allowed and value.upper() not in allowed:
            raise DefinitionError(f"{where}: must be one of {', '.join(allowed)}")
        if key == "MAX_LOG_LINES" and not (value.isdigit() and 1000 <= int(value) <= 100000):
            raise DefinitionError(f"{where}: must be an integer 1000-100000")
        values[key] = value.upper()
    return values
