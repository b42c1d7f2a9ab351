"""One set of rules for the names and paths that cross a boundary (bus, lab file, command line).

Every rule is an explicit pattern with a length limit, so a name can be used in a file path,
a routing key and a database column without escaping: no separators, no ``..``, no NUL or
other control characters. ``check(kind, value)`` raises ``BadName`` naming the rule; the
``Annotated`` types below apply the same rules inside pydantic models.

| kind | rule |
|---|---|
| host | a letter or digit, then letters, digits, ``.``, ``_``, ``-`` (never ``..``); at most 63 characters |
| copy-group part | ``dev_group`` / ``dev_name`` of CCI: a letter, digit or ``_``, then those and ``.``, ``-``; at most 31 |
| serial | an array serial number: letters and digits (and ``_``, ``-`` after the first); at most 32 |
| medium, library | as a serial, ``.`` allowed too; at most 64 |
| path | a mount point or file path: at most 1,024 characters, no NUL or control character, no ``..`` part |
| comment | a backup comment: at most 255 characters, no control character |
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

MAX_PATH = 1024
MAX_COMMENT = 255

_CG_PART = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}"  # also a pydantic pattern: no look-ahead
COPY_GROUP_PATTERN = rf"^{_CG_PART},{_CG_PART}$"
GENERATION_PATTERN = r"^(local|remote)_[0-9]{1,4}$"
MAX_TARGETS = 256  # mount points (or files) one command may name

RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "host": (re.compile(r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,62}"),
             "a letter or digit, then letters, digits, '.', '_' or '-' (at most 63)"),
    "copy-group part": (re.compile(_CG_PART),
                        "a letter, digit or '_', then those, '.' or '-' (at most 31)"),
    "serial": (re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}"),
               "letters and digits, then '_' or '-' too (at most 32)"),
    "medium": (re.compile(r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"),
               "a letter or digit, then letters, digits, '.', '_' or '-' (at most 64)"),
    "library": (re.compile(r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"),
                "a letter or digit, then letters, digits, '.', '_' or '-' (at most 64)"),
}
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")  # an unpaired surrogate cannot be stored


class BadName(ValueError):
    """A name or path that breaks its rule; the text names the value's kind and the rule."""


def check(kind: str, value: object) -> str:
    """``value`` when it follows the rule of ``kind`` (see the module table); else ``BadName``."""
    pattern, rule = RULES[kind]
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise BadName(f"{kind} {_shown(value)} is not valid: {rule}")
    return value


def check_copy_group(value: object) -> str:
    """``dev_group,dev_name``, each part per the copy-group rule."""
    if not isinstance(value, str) or value.count(",") != 1:
        raise BadName(f"copy group {_shown(value)} is not valid: dev_group,dev_name")
    for part in value.split(","):
        check("copy-group part", part)
    return value


def check_path(value: object, kind: str = "path") -> str:
    """A path text: at most ``MAX_PATH`` characters, no control character, no ``..`` part.
    Where it may point is decided by ``adapters.paths.confine`` against the host's roots."""
    if not isinstance(value, str) or not value:
        raise BadName(f"{kind} {_shown(value)} is not valid: an empty path")
    if len(value) > MAX_PATH:
        raise BadName(f"{kind} is not valid: longer than {MAX_PATH} characters")
    if _CONTROL.search(value):
        raise BadName(f"{kind} {_shown(value)} is not valid: it holds a control character "
                      "or an unpaired surrogate")
    if ".." in PurePosixPath(value.replace("\\", "/")).parts:
        raise BadName(f"{kind} {_shown(value)} is not valid: '..' is not allowed")
    return value


def check_comment(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_COMMENT or _CONTROL.search(value):
        raise BadName(f"comment is not valid: at most {MAX_COMMENT} characters, no control "
                      "characters or unpaired surrogates")
    return value


def optional_path(value: str) -> str:
    """An empty text (``-auto_mount`` with no mount point) or a path per ``check_path``."""
    return value if value == "" else check_path(value)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"


def _int_to_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


HostName = Annotated[str, AfterValidator(lambda v: check("host", v))]
CopyGroupName = Annotated[str, AfterValidator(check_copy_group)]
CopyGroupPart = Annotated[str, AfterValidator(lambda v: check("copy-group part", v))]
SerialText = Annotated[str, BeforeValidator(_int_to_text), AfterValidator(lambda v: check("serial", v))]
MediumName = Annotated[str, AfterValidator(lambda v: check("medium", v))]
LibraryName = Annotated[str, AfterValidator(lambda v: check("library", v))]
PathText = Annotated[str, AfterValidator(check_path)]
OptionalPathText = Annotated[str, AfterValidator(optional_path)]
CommentText = Annotated[str, AfterValidator(check_comment)]
