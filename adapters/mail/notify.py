"""Sending the manual's notification mail of a backup command (spec 03 §6).

``notification(conf, …)`` builds the message: subject ``SUBJECT_NORMAL`` or ``SUBJECT_ERROR``,
body the ``TEXT`` value, then ``Hostname=<physical host> DRM_HOSTNAME=<virtual server>``, then
the command's ``drm_output.log`` records (its command line first). ``send(conf, message)``
hands it to ``SMTP_SERVER`` with ``smtplib`` (no authentication, as the manual says; so no
password exists to leak) and returns ``None`` or why it could not: a mail failure never changes
the command's result. Every text is masked (``mask_secrets``) before it goes out.
"""
from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from typing import Iterable

from adapters.config.mail_conf import MailConf
from adapters.operator_logs.common import mask_secrets

SMTP_TIMEOUT = 30.0  # seconds: a dead mail server must not hold the command for long
MAX_BODY_LINES = 10_000


def notification(conf: MailConf, *, failed: bool, hostname: str, drm_hostname: str | None,
                 lines: Iterable[str]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = conf.subject_error if failed else conf.subject_normal
    message["From"] = conf.sender
    message["To"] = ", ".join(conf.to)
    body = [conf.text, f"Hostname={hostname} DRM_HOSTNAME={drm_hostname or ''}"]
    body += [mask_secrets(line) for line in list(lines)[:MAX_BODY_LINES]]
    message.set_content("\n".join(body) + "\n")
    return message


def send(conf: MailConf, message: EmailMessage, timeout: float = SMTP_TIMEOUT) -> str | None:
    """Deliver ``message`` through ``conf``'s SMTP server; ``None``, or the reason it failed."""
    try:
        with smtplib.SMTP(conf.smtp_server, conf.smtp_port, timeout=timeout) as smtp:
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException, socket.timeout) as error:
        return f"{type(error).__name__}: {error}"[:300]
    if refused:
        return "refused recipients: " + ", ".join(sorted(refused))
    return None
