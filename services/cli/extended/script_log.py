"""The ``drm_script.log`` records of one extended command run (spec 07 §1.4): ``START``,
``ERROR`` and ``END`` lines, written with ``adapters.operator_logs.script_log.ScriptLog`` to the
host's log (``MAX_LOG_LINES`` of its ``host.dat``), falling back to ``drm_output.log``; the
password of the FTP commands is masked. A log that cannot be written never fails the command.
"""
from __future__ import annotations

import argparse
import sys

from adapters.operator_logs.output_log import OutputLog
from adapters.operator_logs.script_log import ScriptLog


def script_logger(entry, args: argparse.Namespace):
    """The ``log(operation, kind, text)`` of one run of ``entry``."""
    options = list(getattr(args, "raw_argv", None) or [])

    def log(operation, kind: str, text: str) -> None:
        layout = operation.layout
        definition = operation.definition
        try:
            ScriptLog(layout.script_log, operation.settings.max_log_lines,
                      fallback=OutputLog(layout.output_log)).record(
                kind, operation.operation_id, definition.db_server_name,
                definition.instance_name, entry.name, text, options)
        except (OSError, ValueError) as error:
            print(f"drm_script.log cannot be written: {error}", file=sys.stderr)

    return log
