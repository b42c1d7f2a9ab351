"""Copy-group list files (``-cg_file``; spec 03 §1.1, spec 07 §2.11).

One copy group per line, ``<group>,<device>`` (CCI ``dev_group,dev_name``), starting in the
leftmost column; names are case-sensitive and follow ``events.names`` (the lab's copy-group
rule); a line beginning with ``#`` is a comment. The manual says nothing of blank lines: they
are skipped. A line with leading blanks, a name against the rule, a copy group listed twice, a
file with no copy group or more than ``MAX_COPY_GROUPS`` is an error (``ConfigError``) naming
the file and line. ``EX_DRM_CG_DEF_CHECK`` reports them; the commands that take ``-cg_file``
refuse such a file before they change anything.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from adapters.config.lines import (ConfigError, ConfigText, Problem, decode_config,
                                   numbered_lines, read_config, shown)
from events.names import MAX_TARGETS, BadName, check_copy_group

CG_LIST_LIMIT = 64 << 10  # bytes
CG_LINE_LIMIT = 256
CG_LINES_LIMIT = 4096
MAX_COPY_GROUPS = MAX_TARGETS


@dataclass(frozen=True)
class CopyGroupList:
    copy_groups: tuple[str, ...]
    file: str = ""
    digest: str = ""


def load_cg_list(path: str | os.PathLike) -> CopyGroupList:
    """The copy-group list file at ``path``; ``FileNotFoundError`` or ``ConfigError``."""
    return parse_cg_text(read_config(path, "copy-group list file", limit=CG_LIST_LIMIT))


def parse_cg_list(text: str, name: str = "copy-group list file") -> CopyGroupList:
    data = text.encode("utf-8", "surrogatepass")
    return parse_cg_text(decode_config(data, name, "copy-group list file"))


def parse_cg_text(config: ConfigText) -> CopyGroupList:
    name = config.name
    lines = numbered_lines(config.text, name, line_limit=CG_LINE_LIMIT,
                           lines_limit=CG_LINES_LIMIT)
    problems: list[Problem] = []
    found: dict[str, int] = {}
    for number, line in lines:
        if not line.strip(" \t") or line.startswith("#"):
            continue
        if line[0] in " \t":
            problems.append(Problem(name, number, "", "a copy group starts in the leftmost "
                                                      "column (no leading blanks)"))
            continue
        value = line.rstrip(" \t")
        try:
            check_copy_group(value)
        except BadName:
            problems.append(Problem(name, number, "", f"{shown(value)} is not "
                                                      f"<group>,<device> (CCI dev_group,dev_name)"))
            continue
        if value in found:
            problems.append(Problem(name, number, "", f"{value} listed again (first on line "
                                                      f"{found[value]})"))
            continue
        found[value] = number
    if not found and not problems:
        problems.append(Problem(name, 0, "", "lists no copy group"))
    if len(found) > MAX_COPY_GROUPS:
        problems.append(Problem(name, 0, "", f"lists more than {MAX_COPY_GROUPS} copy groups"))
    if problems:
        raise ConfigError(problems)
    return CopyGroupList(tuple(found), name, config.digest)
