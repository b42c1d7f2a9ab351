"""The console lines of a user script's run, as the manual prints them (spec 04 §14.3)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from services import messages


def section_lines(section: Mapping[str, Any] | None) -> list[str]:
    """``KAVX0210-I`` … ``KAVX0211-I`` for one section that ran (nothing when none ran)."""
    if not section or not section.get("commands"):
        return []
    lines = [messages.line(messages.SCRIPT_START, f"Procedure section = [{section['name']}]")]
    for command in section["commands"]:
        lines.append(messages.line(messages.SCRIPT_COMMAND_START,
                                   f"Host name = {command['host']}",
                                   f"Command line = {command['cmdline']}"))
        if command.get("return_code") is not None:
            lines.append(messages.line(messages.SCRIPT_COMMAND_END,
                                       f"End code = {command['return_code']}"))
    lines.append(messages.line(messages.SCRIPT_END))
    return lines


def wrapped(result: Mapping[str, Any], middle: Sequence[str]) -> list[str]:
    """The backup's lines with the script's around them: the connection to the backup server
    (``KAVX0256-I``), ``[PRE_PROC]``, the backup, ``[POST_PROC]``, the disconnection."""
    script = result.get("script")
    if not script:
        return list(middle)
    remote = script.get("remote_host")
    return [*([messages.line(messages.AGENT_CONNECT, f"Host name = {remote}")] if remote else []),
            *section_lines(script.get("pre")), *middle, *section_lines(script.get("post")),
            *([messages.line(messages.AGENT_DISCONNECT)] if remote else [])]
