"""The manual's console layouts of the SQL Server answers (spec 05 §2.2, §3.6, §3.7): pure
functions, result dicts as ``events.sql_commands`` documents them in, lines out."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from services import messages
from services.cli.catalog_layouts import columns, show_time

CAT_HEADERS = ("T", "DB", "OBJECT", "FILE", "FS", "DG", "DEVICE", "COPY-GROUP")
CF_HEADERS = ("COPY-FUNC", "GEN-NAME")
REMOTE_HEADERS = ("T", "DB", "OBJECT", "FILE", "L-COPY-GROUP", "R-COPY-GROUP", "PORT#", "TID#",
                  "LUN#", "MU#", "LDEV#", "P/S", "SERIAL#")
REMOTE_TYPES = ("TC", "UR")
OBJECTS = {"data": ("D", "DATAFILE"), "log": ("T", "TRANSACT")}


def template_assigned(backup_id: str) -> str:
    return messages.line(messages.SQL_TEMPLATE_ASSIGNED, f"Backup ID = {backup_id}")


# -- drmsqlcat ------------------------------------------------------------------------------------
def sqlcat_lines(instance: str, entries: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [f"INSTANCE: {instance}"]
    for entry in entries:
        lines += [f"BACKUP-ID: {entry['backup_id']} BACKUP-MODE: {entry['mode']} "
                  f"INSTANCE: {instance}",
                  f"ORIGINAL-ID: {entry['original_id']}",
                  f"START-TIME: {show_time(entry.get('started_at'))} "
                  f"END-TIME: {show_time(entry.get('ended_at'))}",
                  f"HOSTNAME: {entry['origin_host']}"]
        table: list[list[str]] = []
        for row in entry["rows"]:
            groups = row["copy_groups"] or ["-"]
            table.append([row["kind"], row["database"], row["object"], row["file"],
                          row["file_system"], row["disk_group"], row["device"], groups[0]])
            table += [["-"] * 7 + [group] for group in groups if row["copy_groups"]]
        lines += columns(CAT_HEADERS, table)
    return lines


# -- drmsqldisplay --------------------------------------------------------------------------------
def display_lines(instances: Sequence[Mapping[str, Any]], copy_func: bool,
                  remote: bool) -> list[str]:
    lines: list[str] = []
    for instance in instances:
        lines.append(f"INSTANCE: {instance['instance']}")
        table = [row for database in instance["databases"] for file in database["files"]
                 for row in (_remote_rows(database, file) if remote
                             else _file_rows(database, file, copy_func))]
        headers = REMOTE_HEADERS if remote else CAT_HEADERS + (CF_HEADERS if copy_func else ())
        lines += columns(headers, table)
    return lines


def _file_rows(database, file, copy_func: bool) -> list[list[str]]:
    kind, obj = OBJECTS[file["kind"]]
    head = [kind, database["name"], obj, file["path"], file["mount_point"] or "-", "-",
            file["device"] or "-"]
    rows = []
    for group in file["copy_groups"] or [None]:
        extra = ([group["copy_func"], group["generation"]] if group else ["-", "-"]) \
            if copy_func else []
        name = group["copy_group"] if group else "-"
        rows.append(head + [name, *extra])
        if group:
            rows.append(["-"] * 7 + [name, *extra])
    return rows


def _remote_rows(database, file) -> list[list[str]]:
    kind, obj = OBJECTS[file["kind"]]
    groups = file["copy_groups"]
    pvol = groups[0]["pvol"] if groups else {}
    rows = [[kind, database["name"], obj, file["path"], "-", "-", _cell(pvol.get("port")),
             _cell(pvol.get("target")), _cell(pvol.get("lun")), "-", _cell(pvol.get("ldev")),
             "P", _cell(pvol.get("serial"))]]
    for group in groups:
        svol, remote = group["svol"], group["copy_type"] in REMOTE_TYPES
        rows.append(["-", "-", "-", "-", group["copy_group"],
                     f"{group['copy_group']}#{group['mu'] or 0}" if remote else "-",
                     _cell(svol.get("port")) if not remote else "-",
                     _cell(svol.get("target")) if not remote else "-",
                     _cell(svol.get("lun")) if not remote else "-",
                     "-" if remote else _cell(group["mu"]), _cell(svol.get("ldev")),
                     "C" if remote else "S", _cell(svol.get("serial"))])
    return rows


def _cell(value) -> str:
    return "-" if value in (None, "") else str(value)
