"""The mail send definition file ``conf/mail.conf`` (spec 03 §6).

Format (the manual's): ASCII text, ``NAME=value`` from the start of the line to its end; a name
with spaces or tabs before or after it is ignored (the manual's rule); names are not
case-sensitive; ``#`` lines are comments (as in ``init.conf``). A value the rules refuse is
ignored with a warning naming the line (the default stays), never an error: a broken
``mail.conf`` must not stop a backup.

| name             | values (default)                   | limit                              |
|------------------|------------------------------------|------------------------------------|
| ``MAIL_SEND``    | ``NO`` / ``ERROR`` / ``ALWAYS`` (NO)|                                   |
| ``SMTP_SERVER``  | host name or IPv4/IPv6 (mailserver)| 64 one-byte characters             |
| ``SMTP_PORT``    | 1-65535 (25)                       | not the manual's: the SMTP port    |
| ``TO``           | an address; repeated, at most 10   | 255 one-byte characters each       |
|                  | (more are ignored)                 |                                    |
| ``SUBJECT_NORMAL``| Protection Manager Information    | 255 bytes                          |
| ``SUBJECT_ERROR``| Protection Manager Error           | 255 bytes                          |
| ``FROM``         | an address (from_address@domain)   | 255 one-byte characters            |
| ``TEXT``         | head of the body; ``\\n`` newline,  | 1024 bytes, escapes counted        |
|                  | ``\\\\`` backslash                    |                                    |

No SMTP authentication is done, so the file never holds a password.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal

from adapters.config.lines import ConfigText, decode_config, numbered_lines, read_config

MAIL_CONF_LIMIT = 16 << 10
MAX_TO = 10
SERVER_MAX, ADDRESS_MAX, SUBJECT_MAX, TEXT_MAX = 64, 255, 255, 1024
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_SERVER = re.compile(r"[A-Za-z0-9.:\[\]-]+")
_NAME = re.compile(r"[A-Za-z_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class MailConf:
    mail_send: Literal["NO", "ERROR", "ALWAYS"] = "NO"
    smtp_server: str = "mailserver"
    smtp_port: int = 25
    to: tuple[str, ...] = ("to_address@domain",)
    subject_normal: str = "Protection Manager Information"
    subject_error: str = "Protection Manager Error"
    sender: str = "from_address@domain"
    text: str = "Protection Manager message:"
    warnings: tuple[str, ...] = ()
    file: str = ""
    digest: str = ""

    def wants(self, failed: bool) -> bool:
        """Whether a backup command that ended (``failed`` or not) sends mail."""
        return self.mail_send == "ALWAYS" or (self.mail_send == "ERROR" and failed)


def load_mail_conf(path: str | os.PathLike) -> MailConf:
    """``mail.conf`` at ``path``; the defaults (``MAIL_SEND=NO``) when there is none.
    ``ConfigError`` for a file that is not ASCII text within the limits."""
    try:
        config = read_config(path, "mail.conf", limit=MAIL_CONF_LIMIT, ascii_only=True)
    except FileNotFoundError:
        return MailConf()
    return parse_mail_text(config)


def parse_mail_conf(text: str, name: str = "mail.conf") -> MailConf:
    return parse_mail_text(decode_config(text.encode("utf-8", "surrogatepass"), name,
                                         "mail.conf", ascii_only=True))


def unescape(value: str) -> str:
    """``\\n`` -> newline, ``\\\\`` -> backslash; any other backslash stays as written."""
    return re.sub(r"\\(\\|n)", lambda m: "\n" if m.group(1) == "n" else "\\", value)


def parse_mail_text(config: ConfigText) -> MailConf:
    name = config.name
    warnings: list[str] = []
    values: dict[str, object] = {}
    to: list[str] = []

    def warn(number: int, text: str) -> None:
        warnings.append(f"{name} line {number}: {text}")

    for number, line in numbered_lines(config.text, name, line_limit=4096, lines_limit=500):
        if not line.strip() or line.lstrip(" \t").startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if not equals or not _NAME.fullmatch(key):
            warn(number, "not NAME=value at the start of the line; ignored")
            continue
        key = key.upper()
        problem = _problem(key, value)
        if problem:
            warn(number, f"{key}: {problem}; ignored")
        elif key == "TO":
            if len(to) == MAX_TO:
                warn(number, f"TO: more than {MAX_TO} recipients; ignored")
            else:
                to.append(value)
        elif key == "SMTP_PORT":
            values[key] = int(value)
        elif key == "TEXT":
            values[key] = unescape(value)
        else:
            values[key] = value
    defaults = MailConf()
    return MailConf(
        mail_send=values.get("MAIL_SEND", defaults.mail_send),  # type: ignore[arg-type]
        smtp_server=str(values.get("SMTP_SERVER", defaults.smtp_server)),
        smtp_port=int(values.get("SMTP_PORT", defaults.smtp_port)),  # type: ignore[arg-type]
        to=tuple(to) or defaults.to,
        subject_normal=str(values.get("SUBJECT_NORMAL", defaults.subject_normal)),
        subject_error=str(values.get("SUBJECT_ERROR", defaults.subject_error)),
        sender=str(values.get("FROM", defaults.sender)), text=str(values.get("TEXT",
                                                                            defaults.text)),
        warnings=tuple(warnings), file=name, digest=config.digest)


def _problem(key: str, value: str) -> str | None:
    if _CONTROL.search(value.replace("\t", " ") if key == "TEXT" else value):
        return "holds a control character (a mail header or body must not)"
    if key == "MAIL_SEND":
        return None if value in ("NO", "ERROR", "ALWAYS") else "not NO, ERROR or ALWAYS"
    if key == "SMTP_SERVER":
        if not value or len(value) > SERVER_MAX or not _SERVER.fullmatch(value):
            return f"not a host name or address of at most {SERVER_MAX} characters"
        return None
    if key == "SMTP_PORT":
        ok = value.isascii() and value.isdigit() and len(value) <= 5 and 1 <= int(value) <= 65535
        return None if ok else "not a port 1-65535"
    if key in ("TO", "FROM"):
        if len(value) > ADDRESS_MAX or not _ADDRESS.fullmatch(value):
            return f"not a mail address of at most {ADDRESS_MAX} characters"
        return None
    if key in ("SUBJECT_NORMAL", "SUBJECT_ERROR"):
        return f"longer than {SUBJECT_MAX} bytes" if len(value) > SUBJECT_MAX else None
    if key == "TEXT":
        return f"longer than {TEXT_MAX} bytes" if len(value) > TEXT_MAX else None
    return "not a parameter of mail.conf"
