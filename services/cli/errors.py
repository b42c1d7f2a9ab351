"""Errors the CLI reports to the user: a KAVX-style message ID and a text; every error exits 1.

Spec 08 §1.1: 0 is success and anything else failure; the KAVX message is the only
discriminator, so the CLI uses no exit code but 0 and 1 (argparse's 2 and Ctrl-C's 130 included).
A failure is printed as ``<message_id> <text>`` on stderr; with ``--json`` the same error is also
printed on stdout as one JSON object (``error_document``).
"""
from __future__ import annotations

import json
import re
import sys

from services import messages

FAILURE = 1
USAGE_DETAIL = messages.USAGE  # the detail code of every usage error
_DETAIL = re.compile(r"\((DRM-\d{5}(?:-[A-Z])?)[:)]")


class CliError(Exception):
    """A failure to show on stderr as ``<message_id> <text>``; the command exits 1."""

    exit_code = FAILURE

    def __init__(self, message_id: str, text: str) -> None:
        super().__init__(f"{message_id} {text}")
        self.message_id = message_id
        self.text = text

    @property
    def detail(self) -> str | None:
        """The implementation's detail code inside the text (``DRM-90100``), if there is one."""
        found = _DETAIL.search(self.text)
        return found.group(1) if found else None

    def render(self) -> str:
        return f"{self.message_id} {self.text}"


class UsageError(CliError):
    """A command line the command does not accept; shown after the sub-command's usage."""

    def __init__(self, message_id: str, text: str, usage: str | None = None) -> None:
        super().__init__(message_id, text)
        self.usage = usage


def error_document(error: CliError) -> dict:
    """The JSON object ``--json`` prints on stdout for a failure."""
    return {"error": {"message_id": error.message_id, "text": error.text,
                      "detail": error.detail}, "exit_code": error.exit_code}


def report(error: CliError, as_json: bool, usage: str | None = None) -> int:
    """Print ``error`` (after ``usage`` for a usage error) on stderr, and with ``as_json`` its
    JSON object on stdout; the exit code."""
    usage = getattr(error, "usage", None) or usage
    if isinstance(error, UsageError) and usage:
        print(usage.rstrip(), file=sys.stderr)
    print(error.render(), file=sys.stderr, flush=True)
    if as_json:
        print(json.dumps(error_document(error), ensure_ascii=False), flush=True)
    return error.exit_code


def usage_error(text: str, usage: str | None = None) -> "UsageError":
    """``KAVX0006-E … (DRM-90100: text)``: a command line the command does not accept."""
    return UsageError(messages.PROCESSING_ERROR, messages.error_text(USAGE_DETAIL, text), usage)
