"""``drmsqllogbackup … -v``: the log backups the host recorded, answered from the view.

The sections come in apply order (the order the log backups were taken), one per full backup
and database, so the CLI can print them as a transaction log list file (``events.sql_log_list``)
that ``drmsqlrecover -transact_log_list`` reads back.
"""
from __future__ import annotations

from events.sql_restore import ListSqlLogBackups
from projections.sql_log_view import SqlLogRecord
from services.agent.service import AgentContext


def _selected(command: ListSqlLogBackups, context: AgentContext) -> list[SqlLogRecord]:
    targets = {t.lower() for t in command.targets}
    original_id = command.original_id
    if command.backup_id is not None and original_id is None:
        entry = context.view.catalog.get(command.backup_id)
        original_id = entry.original_id if entry is not None else command.backup_id
    found = []
    for chain in context.view.sql_logs.chains.values():
        for record in chain:
            if command.instance and record.instance.lower() != command.instance.lower():
                continue
            if targets and record.database.lower() not in targets:
                continue
            if original_id is not None and record.original_id != original_id:
                continue
            found.append(record)
    return sorted(found, key=lambda r: r.recorded_seq)


def list_sql_log_backups(command: ListSqlLogBackups, context: AgentContext) -> dict:
    records = _selected(command, context)
    if command.start_points:
        points = dict.fromkeys((r.original_id, r.backup_id, r.database) for r in records)
        return {"start_points": [{"original_id": o, "backup_id": b, "database": d}
                                 for o, b, d in points]}
    sections: dict[tuple[str, str, str, str], dict] = {}
    for record in records:
        key = (record.instance.lower(), record.original_id, record.backup_id, record.database)
        section = sections.setdefault(key, {
            "original_id": record.original_id, "backup_id": record.backup_id,
            "database": record.database, "instance": record.instance, "files": [],
            "logs": []})
        section["files"].append(record.path)
        section["logs"].append({"path": record.path, "chain_seq": record.chain_seq,
                                "first_lsn": record.first_lsn, "last_lsn": record.last_lsn,
                                "truncated": record.truncated})
    return {"sections": list(sections.values())}


SQL_RESTORE_QUERY_HANDLERS = ((ListSqlLogBackups, list_sql_log_backups),)
