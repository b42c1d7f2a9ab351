"""The operator logs and mail of a command line (spec 03 §6, spec 07 §1.3-1.5).

``OperatorSession`` wraps one run of ``drm``: while it is open, what the command prints on
stdout and stderr passes through unchanged and is also kept. When a manual command ends (an
entry with a ``manual`` name: ``drmfsbackup``, ``EX_DRM_FS_DEF_CHECK``, …; not ``drm log`` or
``drm report``), ``finish``:

1. appends its command line and every line it printed to the target host's (a host whose
   directory does not exist gets nothing: a typo in ``--host`` creates no directory)
   ``log/drm_output.log`` (``adapters.operator_logs.output_log``; ``--json`` output is data, not
   messages: only stderr is kept then);
2. writes each message line to ``log/drm_pp_trace<n>.log`` with the type of its message ID
   (``-E`` ER, ``-W`` WR, else IF), filtered by ``LOGLEVEL`` of ``init.conf``;
3. for a backup command, sends the notification mail ``conf/mail.conf`` asks for
   (``MAIL_SEND=NO|ERROR|ALWAYS``; ``adapters.mail.notify``).

None of this may change the command's result: a log or mail failure is a ``DRMX0612-W`` /
``DRMX0613-W`` line on stderr, never an exception. Passwords are masked in all of it.
"""
from __future__ import annotations

import re
import sys
from typing import Any, Sequence

from services import messages

BACKUP_COMMANDS = frozenset({"drmfsbackup", "drmsqlbackup", "drmexgbackup", "drmsqllogbackup",
                             "EX_DRM_FS_BACKUP", "EX_DRM_SQL_BACKUP", "EX_DRM_EXG_BACKUP"})
_MESSAGE = re.compile(r"((?:KAVX|DRMX)\d{4}-([IWEQ]))\b")
TRACE_TYPES = {"E": "ER", "W": "WR"}
MAX_KEPT = 1 << 20  # characters of output kept for the logs (a huge report is not a message)


class _Tee:
    """A text stream that writes through to ``stream`` and keeps what it was given."""

    def __init__(self, stream: Any, kept: list[str]) -> None:
        self._stream, self._kept = stream, kept

    def write(self, text: str) -> int:
        if sum(map(len, self._kept)) < MAX_KEPT:
            self._kept.append(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class OperatorSession:
    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.args: Any = None
        self._out: list[str] = []
        self._err: list[str] = []
        self._saved: tuple[Any, Any] | None = None

    def __enter__(self) -> "OperatorSession":
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = _Tee(sys.stdout, self._out), _Tee(sys.stderr, self._err)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            sys.stdout, sys.stderr = self._saved
            self._saved = None

    @property
    def manual(self) -> str | None:
        entry = getattr(getattr(self.args, "func", None), "__self__", None)
        name = getattr(entry, "manual", None)
        return name if isinstance(name, str) else None

    def printed(self) -> list[str]:
        chunks = self._err if getattr(self.args, "json", False) else self._out + self._err
        return [line for line in "".join(chunks).splitlines() if line.strip()]

    def finish(self, code: int) -> None:
        """Write the logs and send the mail of a manual command (see the module docstring)."""
        manual = self.manual
        if manual is None:
            return
        try:
            self._record(manual, code)
        except Exception as error:  # noqa: BLE001 - a log must never change the result
            print(messages.line(messages.OPERATOR_LOG_FAILED,
                                problem=f"{type(error).__name__}: {str(error)[:200]}"),
                  file=sys.stderr)

    def _record(self, manual: str, code: int) -> None:
        from adapters.config.init_conf import InitConfError, load_init_conf
        from adapters.config.layout import host_layout, init_conf_path
        from adapters.operator_logs.output_log import OutputLog
        from adapters.operator_logs.trace_log import TraceLog
        from services.settings import load_settings

        try:
            settings = load_settings()
            host = getattr(self.args, "host", None) or settings.hostname
            layout = host_layout(settings.data_dir, host)
        except ValueError:  # bad settings or host name: the command has said so already
            return
        if not layout.root.is_dir():  # an unknown host: nothing is created for it
            return
        lines = self.printed()
        output = OutputLog(layout.output_log)
        written = output.command([manual, *self.argv[1:]]) + output.write(lines)
        try:
            conf = load_init_conf(init_conf_path(settings.init_conf, layout, settings.data_dir))
            trace = TraceLog(layout.log, conf.loglevel, conf.pp_logfile_num, manual)
        except InitConfError:
            trace = TraceLog(layout.log, application=manual)
        for line in lines:
            found = _MESSAGE.search(line)
            if found:
                trace.record(TRACE_TYPES.get(found.group(2), "IF"), found.group(1), line)
        if manual in BACKUP_COMMANDS:
            self._mail(layout, settings, host, code, written, output)

    def _mail(self, layout, settings, host: str, code: int, written: list[str],
              output) -> None:
        from adapters.config.lines import ConfigError
        from adapters.config.mail_conf import load_mail_conf
        from adapters.mail.notify import notification, send

        try:
            conf = load_mail_conf(layout.mail_conf)
        except ConfigError as error:
            problem = str(error)
        else:
            output.write(conf.warnings)
            if not conf.wants(failed=code != 0):
                return
            problem = send(conf, notification(conf, failed=code != 0,
                                              hostname=settings.node_name,
                                              drm_hostname=host, lines=written))
        if problem:
            line = messages.line(messages.MAIL_NOT_SENT, problem=problem)
            print(line, file=sys.stderr)
            output.write([line])
