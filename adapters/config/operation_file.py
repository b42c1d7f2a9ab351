"""Operation IDs and operation definition files ``_<operation-ID>.dat`` (spec 03 §4.5–4.9).

An extended command takes an operation ID and reads ``<script conf>/_<operation-ID>.dat``.

Operation ID (``check_operation_id``): 1–64 ASCII characters, letters, digits and
``! # $ % & ' ( ) + _ - ^ @ , .``; not starting with ``-``; not ``.`` (nor ``..``, which the
manual's character set allows but which would name the parent of the temporary directory);
not case-sensitive (``operation_key``).

File format. The manual gives ``KEY=value`` lines and says every key "is required"; it states
no comment or blank-line rule, so this reader takes those of its other files: blank lines are
skipped, a line whose first non-blank character is ``#`` is a comment, spaces and tabs around
key and value are dropped, keys are not case-sensitive. Any other line, an unknown key, a key
given twice or a missing key is an error (``ConfigError``, every problem with its line and key).

| key                | FILESYSTEM                 | MSSQL                  | MSEXCHANGE         | max  |
|--------------------|----------------------------|------------------------|--------------------|------|
| BACKUP_OBJECT      | ``FILESYSTEM``             | ``MSSQL``              | ``MSEXCHANGE``     | 32   |
| DB_SERVER_NAME     | file server (cluster: the virtual server, in DRM_DB_PATH)           | 128/63 |
| INSTANCE_NAME      | mount point or list file   | instance (``DEFAULT``) | ``-``              | 128  |
| TARGET_NAME        | empty (``TARGET_NAME=``)   | databases, comma-sep.  | storage groups/IS  | 1024 |
| FTP_HOME_DIR       | FTP root on the backup server: absolute, never empty                | 128  |
| FTP_SUB_DIR        | under it; empty: ``HPtM``; no ``\\`` or ``/``, not ``.``/``..``     | 128  |
| SET_DRM_HOSTNAME   | ``1`` cluster (DRM_HOSTNAME = DB_SERVER_NAME), ``0`` not            | 1    |

Values may be quoted with ``"`` when they hold spaces (INSTANCE_NAME, TARGET_NAME names); the
quotes count towards the maximum as the manual counts characters, not bytes. Paths are POSIX
here (the manual's ``C:\\FTP_ROOT`` is a Windows path); the caller confines them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.config.lines import (ConfigError, ConfigText, Problem, decode_config,
                                   numbered_lines, read_config, shown, split_entries,
                                   unprintable_problem)
from events.names import BadName, check
from events.operation_ids import (  # noqa: F401 - the grammar, re-exported for callers
    OPERATION_ID_MAX, BadOperationId, check_operation_id, operation_key)

OPERATION_FILE_LIMIT = 16 << 10  # bytes
OPERATION_LINE_LIMIT = 4096  # characters: TARGET_NAME= and 1024 characters fit
OPERATION_LINES_LIMIT = 200
NAME_MAX = 128
EXCHANGE_SERVER_MAX = 63
OBJECT_MAX = 32
TARGET_MAX = 1024
DEFAULT_FTP_SUB_DIR = "HPtM"
OBJECTS = ("FILESYSTEM", "MSSQL", "MSEXCHANGE")
KEYS = ("BACKUP_OBJECT", "DB_SERVER_NAME", "INSTANCE_NAME", "TARGET_NAME", "FTP_HOME_DIR",
        "FTP_SUB_DIR", "SET_DRM_HOSTNAME")


def operation_file_name(operation_id: str) -> str:
    return f"_{check_operation_id(operation_id)}.dat"


@dataclass(frozen=True)
class OperationDefinition:
    """One operation definition file, validated."""

    operation_id: str
    backup_object: str  # FILESYSTEM | MSSQL | MSEXCHANGE
    db_server_name: str
    instance_name: str  # without its quotes
    target_names: tuple[str, ...]  # empty: the whole instance (never set for FILESYSTEM)
    ftp_home_dir: str
    ftp_sub_dir: str  # HPtM when the file leaves it empty
    set_drm_hostname: bool
    file: str = ""
    digest: str = ""  # sha256 of the file's bytes

    @property
    def instance_is_list_file(self) -> bool:
        """FILESYSTEM: INSTANCE_NAME names a mount point directory list file (no ``/``)."""
        return self.backup_object == "FILESYSTEM" and not self.instance_name.startswith("/")


def find_operation_file(directory: Path, operation_id: str) -> Path:
    """The definition file of ``operation_id`` in ``directory``, whatever the case of its name
    (IDs are not case-sensitive). ``FileNotFoundError`` when there is none; ``ConfigError`` when
    two files differ only in case."""
    wanted = operation_file_name(operation_id).casefold()
    exact = directory / operation_file_name(operation_id)
    if exact.is_file():
        matches = [exact]
    else:
        try:
            matches = [p for p in directory.iterdir() if p.name.casefold() == wanted]
        except OSError:
            matches = []
    if not matches:
        raise FileNotFoundError(str(exact))
    if len(matches) > 1:
        raise ConfigError([Problem(str(directory), 0, "", f"{len(matches)} files define the "
                                   f"operation ID {operation_id!r} (IDs are not case-sensitive)")])
    return matches[0]


def load_operation_file(directory: Path, operation_id: str) -> OperationDefinition:
    """The validated definition of ``operation_id`` in ``directory`` (the script conf dir).
    ``BadOperationId``, ``FileNotFoundError`` or ``ConfigError`` otherwise."""
    path = find_operation_file(directory, operation_id)
    config = read_config(path, "operation definition file", limit=OPERATION_FILE_LIMIT)
    stem = path.name[1:-len(".dat")]
    return parse_operation_text(config, stem)


def parse_operation_file(text: str, operation_id: str, name: str = "") -> OperationDefinition:
    """``text`` of the definition file of ``operation_id`` (a pure function, for tests)."""
    data = text.encode("utf-8", "surrogatepass")
    return parse_operation_text(decode_config(data, name or operation_file_name(operation_id),
                                              "operation definition file"), operation_id)


def parse_operation_text(config: ConfigText, operation_id: str) -> OperationDefinition:
    check_operation_id(operation_id)
    name = config.name
    lines = numbered_lines(config.text, name, line_limit=OPERATION_LINE_LIMIT,
                           lines_limit=OPERATION_LINES_LIMIT)
    entries, problems = split_entries(lines, name)
    seen: dict[str, tuple[int, str]] = {}
    for entry in entries:
        if entry.key not in KEYS:
            problems.append(Problem(name, entry.line, entry.key, "unknown key (the keys are "
                                    + ", ".join(KEYS) + ")"))
        elif entry.key in seen:
            problems.append(Problem(name, entry.line, entry.key,
                                    f"given again (first on line {seen[entry.key][0]})"))
        else:
            seen[entry.key] = (entry.line, entry.value)
    for key in KEYS:
        if key not in seen:
            problems.append(Problem(name, 0, key, f"missing: every key must be given "
                                                  f"({key}=…)"))
    if problems:
        raise ConfigError(problems)
    checker = _Checker(name, seen)
    kind = checker.backup_object()
    definition = OperationDefinition(
        operation_id=operation_id, backup_object=kind,
        db_server_name=checker.server(kind), instance_name=checker.instance(kind),
        target_names=checker.targets(kind), ftp_home_dir=checker.ftp_home(),
        ftp_sub_dir=checker.ftp_sub(), set_drm_hostname=checker.cluster(),
        file=name, digest=config.digest)
    if checker.problems:
        raise ConfigError(checker.problems)
    return definition


class _Checker:
    """The per-key rules; each method records its problems and returns a usable value."""

    def __init__(self, name: str, seen: dict[str, tuple[int, str]]) -> None:
        self.name, self.seen, self.problems = name, seen, []

    def fail(self, key: str, text: str) -> None:
        self.problems.append(Problem(self.name, self.seen[key][0], key, text))

    def value(self, key: str, limit: int, *, empty: bool = False) -> str:
        value = self.seen[key][1]
        if len(value) > limit:
            self.fail(key, f"longer than {limit} characters")
        elif (problem := unprintable_problem(value)):
            self.fail(key, problem)
        elif not value and not empty:
            self.fail(key, "needs a value")
        return value

    def backup_object(self) -> str:
        value = self.value("BACKUP_OBJECT", OBJECT_MAX)
        if value.upper() in OBJECTS:
            return value.upper()
        if value:
            self.fail("BACKUP_OBJECT", f"{shown(value)} is not one of {', '.join(OBJECTS)}")
        return "FILESYSTEM"

    def server(self, kind: str) -> str:
        limit = EXCHANGE_SERVER_MAX if kind == "MSEXCHANGE" else NAME_MAX
        value = self.value("DB_SERVER_NAME", limit)
        if value and not self.problems_for("DB_SERVER_NAME"):
            try:
                check("host", value)
            except BadName as error:
                self.fail("DB_SERVER_NAME", str(error))
        return value

    def instance(self, kind: str) -> str:
        value = unquoted(self.value("INSTANCE_NAME", NAME_MAX))
        if kind == "MSEXCHANGE" and value and value != "-":
            self.fail("INSTANCE_NAME", "must be - for MSEXCHANGE")
        elif kind == "FILESYSTEM" and value and not value.startswith("/") and "/" in value:
            self.fail("INSTANCE_NAME", "a mount point directory must be an absolute path; a "
                                       "mount point directory list file is a bare file name")
        elif kind == "FILESYSTEM" and value in (".", ".."):
            self.fail("INSTANCE_NAME", f"{shown(value)} is not a list file name")
        return value

    def targets(self, kind: str) -> tuple[str, ...]:
        value = self.value("TARGET_NAME", TARGET_MAX, empty=True)
        if kind == "FILESYSTEM":
            if value:
                self.fail("TARGET_NAME", "must be written without a value (TARGET_NAME=) "
                                         "for FILESYSTEM")
            return ()
        if not value:
            return ()
        names = tuple(unquoted(part.strip(" \t")) for part in value.split(","))
        if any(not name for name in names):
            self.fail("TARGET_NAME", "an empty name in the comma-separated list")
        return names

    def ftp_home(self) -> str:
        value = self.value("FTP_HOME_DIR", NAME_MAX)
        if value and not value.startswith("/"):
            self.fail("FTP_HOME_DIR", f"{shown(value)} is not an absolute path")
        return value

    def ftp_sub(self) -> str:
        value = self.value("FTP_SUB_DIR", NAME_MAX, empty=True)
        if not value:
            return DEFAULT_FTP_SUB_DIR
        if "\\" in value or "/" in value:
            self.fail("FTP_SUB_DIR", "must not hold a delimiter (\\ or /) nor be a root "
                                     "directory")
        elif value in (".", ".."):
            self.fail("FTP_SUB_DIR", f"must not be {value}")
        return value

    def cluster(self) -> bool:
        value = self.value("SET_DRM_HOSTNAME", 1)
        if value not in ("0", "1") and not self.problems_for("SET_DRM_HOSTNAME"):
            self.fail("SET_DRM_HOSTNAME", f"{shown(value)} is neither 0 nor 1")
        return value == "1"

    def problems_for(self, key: str) -> bool:
        return any(problem.key == key for problem in self.problems)


def unquoted(value: str) -> str:
    """``"a b"`` -> ``a b``; a value without a surrounding pair of quotes is unchanged."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value
