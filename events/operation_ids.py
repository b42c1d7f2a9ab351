"""The operation ID of the extended commands (spec 03 §4.5, spec 08 §1.4): 1-64 ASCII
characters, letters, digits and ``! # $ % & ' ( ) + _ - ^ @ , .``; not starting with ``-``;
not ``.`` (nor ``..``, which the manual's character set allows but which would name the parent
of a temporary directory); not case-sensitive (``operation_key``). A leaf module: contracts and
adapters both check IDs with it."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

OPERATION_ID_MAX = 64
_OPERATION_ID = re.compile(r"[A-Za-z0-9!#$%&'()+_\-^@,.]{1,64}")


class BadOperationId(ValueError):
    """An operation ID against the manual's grammar; the message says why."""


def _shown(value: str) -> str:
    text = value if value.isprintable() else value.encode("unicode_escape").decode("ascii")
    return repr(text if len(text) <= 60 else text[:59] + "…")


def check_operation_id(value: object) -> str:
    """``value`` if it is an operation ID (module docstring), else ``BadOperationId``."""
    if not isinstance(value, str):
        raise BadOperationId("the operation ID must be text")
    if len(value) > OPERATION_ID_MAX:
        raise BadOperationId(f"the operation ID {_shown(value)} is longer than "
                             f"{OPERATION_ID_MAX} characters")
    if not _OPERATION_ID.fullmatch(value):
        raise BadOperationId(f"the operation ID {_shown(value)} may hold only letters, digits "
                             f"and ! # $ % & ' ( ) + _ - ^ @ , .")
    if value.startswith("-"):
        raise BadOperationId(f"the operation ID {_shown(value)} must not start with -")
    if value in (".", ".."):
        raise BadOperationId(f"the operation ID {_shown(value)} is not allowed")
    return value


def operation_key(operation_id: str) -> str:
    """The case-insensitive identity of an operation ID (two spellings, one operation)."""
    return check_operation_id(operation_id).casefold()


OperationId = Annotated[str, AfterValidator(check_operation_id)]
