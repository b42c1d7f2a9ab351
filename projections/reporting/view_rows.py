"""A ``HostView`` as rows ``(view, key) -> JSON text``, and the difference between two such sets.

Every dict field of ``HostView`` is a view (``catalog``, ``copy_groups``, ``volumes``, and
whatever later issues add, such as ``tape``), one row per key; the scalar fields (next backup
ID, position, …) form the row ``("host", "")``. A view is named by its field; an application's
views by its field behind the application's prefix (``APPLICATION_PREFIXES``: ``pg_backups``,
``sql_backups``, ``sql_chains``), so two applications' views of one name stay apart, while
the file-system and backup-server views keep their bare names (``catalog``, ``tape``).
Workflows are the agent's working state, not a report, and are left out. Values are canonical JSON (sorted keys), so equal views give equal
text and a row-by-row comparison of two stores is meaningful.
"""
from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any, Iterator

import orjson

from projections.host_view import CatalogEntry, HostView

LEFT_OUT = frozenset({"workflows", "ended_workflows", "host"})
# HostView field of an application's part -> the prefix of its views' names (alembic revision
# 0008_application_view_names renamed the rows stored before)
APPLICATION_PREFIXES = {"postgres": "pg_", "sql": "sql_", "sql_logs": "sql_"}
HOST_ROW = ("host", "")

Rows = dict[tuple[str, str], str]


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "_asdict"):
        return value._asdict()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if is_dataclass(value):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    raise TypeError(f"not serialisable in a report row: {type(value).__name__}")


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=_default,
                        option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS).decode()


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def entry_document(entry: CatalogEntry) -> dict:
    """A catalog entry in the shape of the agent's catalog answers (``drmfscat`` layouts)."""
    return {
        "backup_id": entry.backup_id, "original_id": entry.original_id,
        "origin_host": entry.origin_host, "mode": entry.mode, "object_type": entry.object_type,
        "instances": list(entry.instances), "generation": entry.generation,
        "copy_groups": list(entry.copy_groups), "started_at": _time(entry.started_at),
        "ended_at": _time(entry.ended_at), "comment": entry.comment, "media": entry.media,
        "recorded_seq": entry.recorded_seq,
        "rows": [row._asdict() for row in entry.rows],
    }


def _document(view_name: str, value: Any) -> Any:
    if isinstance(value, CatalogEntry):
        return entry_document(value)
    if is_dataclass(value):
        document = {f.name: getattr(value, f.name) for f in fields(value)}
        for name, item in document.items():
            if isinstance(item, datetime):
                document[name] = item.isoformat()
        return document
    return value


def view_rows(view: HostView) -> Rows:
    """Every reported row of ``view``."""
    rows: Rows = {}
    scalars: dict[str, Any] = {}
    for name, owner, attr, value in parts(view, scalars):
        for key, item in dict.items(value):  # dict.items: a tracked dict notes no access
            rows[(name, str(key))] = row_text(name, item)
    rows[HOST_ROW] = dumps(scalars)
    return rows


def row_text(view_name: str, item: Any) -> str:
    return dumps(_document(view_name, item))


def parts(part: Any, scalars: dict[str, Any], prefix: str = "",
          view_prefix: str = "") -> Iterator[tuple[str, Any, str, dict]]:
    """``(view name, owner, attribute, dict)`` of every view of ``part``: dict fields become
    views; a nested part of the view (a dataclass holding dicts, such as ``backup_server``) is
    walked the same way, an application's part with its prefix (``APPLICATION_PREFIXES``);
    other fields go to ``scalars`` (the host row)."""
    for field in fields(part):
        if field.name in LEFT_OUT:
            continue
        value = getattr(part, field.name)
        if isinstance(value, dict):
            yield view_prefix + field.name, part, field.name, value
        elif is_dataclass(value) and any(isinstance(getattr(value, f.name), dict)
                                         for f in fields(value)):
            yield from parts(value, scalars, f"{prefix}{field.name}.",
                             view_prefix + APPLICATION_PREFIXES.get(field.name, ""))
        else:
            scalars[prefix + field.name] = value


def diff(before: Rows, after: Rows) -> tuple[Rows, list[tuple[str, str]]]:
    """``(changed or new rows, keys removed)`` that turn ``before`` into ``after``."""
    changed = {key: text for key, text in after.items() if before.get(key) != text}
    removed = [key for key in before if key not in after]
    return changed, removed
