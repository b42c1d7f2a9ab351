"""The limits of every message field, in one place (issue 15, point 3).

An event or command outside them is refused where it is decoded -- by the envelope models
(``EventEnvelope``, ``CommandEnvelope``) and by the reporting consumer's fast decoding path
(``projections.reporting.decoding``), with the same verdict both ways -- so nothing a database
column cannot hold ever reaches a write. The lengths are those of the columns that store the
field (``adapters/reporting/tables.py``, ``adapters/event_store/tables.py``, alembic ``0001``,
``0002``); a test keeps the two in step.

- Identifiers (host, principal, event type, command name, message id, backup id, reply queue)
  are printable text: no NUL, no control, format or separator character but the space
  (``str.isprintable``). PostgreSQL cannot store NUL in any text column.
- Free text (an outcome's ``text``) may hold newlines but no NUL and no lone surrogate.
- ``seq`` fits a signed 64-bit column (BIGINT); ``version`` is small (a schema version).
- A received body is at most ``MAX_BODY_BYTES`` long before it is even parsed.
- The limits sit well above anything an agent sends: a genuine event refused here would leave
  a hole in its host's history. Agents refuse commands outside them (``CommandEnvelope``), so
  what they record from a command (principal, command name) stays inside.
- ``MAX_SEQ_JUMP``: an event whose seq is more than this past the highest seq the consumer has
  seen for its host is quarantined instead of being applied as a gap. A host's agent republishes
  a missing range on request, but never past its own head, so a gap opened by one forged event
  with a huge seq could never close; a genuine stream never skips this many events at once.
  The highest seq seen of a host the consumer has not met yet is 0; so a reporting store that
  starts on a stream whose retention already dropped more than this many of a host's first
  events quarantines them too (their bodies are kept in ``report_quarantine``).
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Mapping

from pydantic import AfterValidator, Field

HOST_MAX = 255
PRINCIPAL_MAX = 255
TYPE_MAX = 128
COMMAND_NAME_MAX = 128
MESSAGE_ID_MAX = 32
BACKUP_ID_MAX = 32
REPLY_TO_MAX = 255  # an AMQP short string
TEXT_MAX = 1024 * 1024  # a Text column: the limit is against abuse, not the schema
MAX_BODY_BYTES = 8 * 1024 * 1024

SEQ_MAX = 2 ** 63 - 1
VERSION_MAX = 1000
MAX_SEQ_JUMP = 100_000

OUTCOME_TYPES = ("CommandCompleted", "CommandFailed", "CommandRejected")
"""The outcome events, whose ``command``, ``message_id`` and ``text`` the reporting store keeps
in columns of their own."""

INDEXED_FIELDS: tuple[tuple[str, int], ...] = (
    ("backup_id", BACKUP_ID_MAX), ("original_id", BACKUP_ID_MAX), ("origin_host", HOST_MAX))
"""Payload fields of any event that the reporting store copies to a column (when text)."""

OUTCOME_FIELDS: tuple[tuple[str, int], ...] = (
    ("command", COMMAND_NAME_MAX), ("message_id", MESSAGE_ID_MAX))

_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]").search


def identifier_problem(value: str, limit: int) -> str | None:
    """Why ``value`` is not an identifier of at most ``limit`` characters (``None``: it is)."""
    if len(value) > limit:
        return f"longer than {limit} characters"
    if not value.isprintable():
        return "holds a NUL, control or other non-printable character"
    return None


def text_problem(value: str, limit: int = TEXT_MAX) -> str | None:
    if len(value) > limit:
        return f"longer than {limit} characters"
    if _UNSTORABLE_TEXT(value):
        return "holds a NUL or an unpaired surrogate"
    return None


def printable(value: str) -> str:
    """Pydantic validator: the value is printable (its length is checked by the Field)."""
    if not value.isprintable():
        raise ValueError("must hold printable characters only (no NUL or control character)")
    return value


def payload_problem(type_: str, payload: Mapping[str, Any]) -> str | None:
    """Why ``payload`` has a field the reporting store cannot keep in its column (on the
    consumer's hot path: a valid value costs a lookup, a length and ``isprintable``)."""
    get = payload.get
    for name, limit in INDEXED_FIELDS:
        value = get(name)
        if type(value) is str and (len(value) > limit or not value.isprintable()):
            return f"{name} {identifier_problem(value, limit)}"
    if type_ not in OUTCOME_TYPES:
        return None
    for name, limit in OUTCOME_FIELDS:
        value = get(name)
        if type(value) is str and (len(value) > limit or not value.isprintable()):
            return f"{name} {identifier_problem(value, limit)}"
    text = get("text")
    if type(text) is str and (problem := text_problem(text)):
        return f"text {problem}"
    return None


def safe_host(value: Any) -> str | None:
    """``value`` when it can stand in a host column (an alert's, a quarantined event's)."""
    return value if type(value) is str and identifier_problem(value, HOST_MAX) is None else None


def safe_seq(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= SEQ_MAX else None


def safe_text(value: str, limit: int = 2000) -> str:
    """``value`` made storable and short (for alert details): unprintables escaped."""
    value = value if value.isprintable() else value.encode("unicode_escape").decode("ascii")
    return value if len(value) <= limit else value[:limit - 1] + "…"


Host = Annotated[str, Field(min_length=1, max_length=HOST_MAX), AfterValidator(printable)]
Principal = Annotated[str, Field(max_length=PRINCIPAL_MAX), AfterValidator(printable)]
EventType = Annotated[str, Field(min_length=1, max_length=TYPE_MAX), AfterValidator(printable)]
ReplyTo = Annotated[str, Field(min_length=1, max_length=REPLY_TO_MAX), AfterValidator(printable)]
Seq = Annotated[int, Field(ge=1, le=SEQ_MAX)]
Version = Annotated[int, Field(ge=1, le=VERSION_MAX)]

# -- applications (issue 13, sql-backup): database products behind the application port -------
APP_KIND_MAX = 32  # sqlserver, postgresql
APP_NAME_MAX = 128  # an instance or database name (SQL Server's sysname is 128 characters)
APP_DATABASES_MAX = 1024  # databases one freeze or one entry covers (drmsqlbackup allows 64)
APP_FILES_MAX = 32_767  # files of one database (SQL Server's own limit)
APP_PATH_MAX = 4096  # a file or directory path on a host (Linux PATH_MAX)
APP_REASON_MAX = 2048  # a failure's text
APP_TIMEOUT_MAX = 3600  # seconds a freeze may last (drmsqlinit's VDI timeout, 0-3600)
