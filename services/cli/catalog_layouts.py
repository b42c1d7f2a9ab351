"""The manual's console layouts for catalog, map and copy-group answers (spec 08 §3.1–§3.7).

Pure functions: result dicts shaped as ``events.fs_commands`` documents in, lines out. Columns
are left-aligned and separated by one space, as the manual prints them. Times are ISO 8601 UTC
in the answers and shown as ``YYYY/MM/DD hh:mm:ss`` in the local time of the machine running
the CLI (the operator's clock, as the manual's examples show).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

from services import messages

NO_BACKUP_DATA = messages.NO_BACKUP_DATA

ROW_HEADERS = ("T", "FILE", "FS", "DG", "DEVICE", "COPY-GROUP")
CF_HEADERS = ("COPY-FUNC", "GENNAME")
CG_HEADERS = ("COPY GROUP", "LOCK STATUS", "BACKUP-ID")
APPCAT_HEADERS = ("BACKUP-ID", "BACKUP-MODE", "BACKUP-OBJECT", "START-TIME", "END-TIME")


def columns(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A table: every column as wide as its widest cell, one space between columns."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    return [" ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
            for row in [list(headers), *cells]]


def show_time(value: str | None) -> str:
    """``2002-06-01T01:00:00Z`` -> ``2002/06/01 10:00:00`` (local time); ``-`` if absent."""
    if not value:
        return "-"
    return datetime.fromisoformat(value).astimezone().strftime("%Y/%m/%d %H:%M:%S")


def backup_assigned(backup_id: str) -> str:
    return messages.line(messages.BACKUP_ID_ASSIGNED, f"Backup ID = {backup_id}")


def maps_updated() -> str:
    return messages.line(messages.MAPS_UPDATED)


def no_backup_data() -> str:
    return messages.text(NO_BACKUP_DATA)


def lock_changed(mode: str) -> str:
    """KAVX0302-I or KAVX0303-I: the manual's one text, for -backup_id and -cg alike."""
    return messages.line(messages.LOCKED if mode == "lock" else messages.UNLOCKED)


def entry_deleted(backup_id: str) -> str:
    return messages.line(messages.ENTRY_DELETED, f"Backup ID = {backup_id}")


# -- drmfscat ------------------------------------------------------------------------------------
def fscat_lines(entries: Sequence[Mapping[str, Any]], targets: Sequence[str]) -> list[str]:
    """``INSTANCE:`` blocks, one per mount point with entries, each entry as spec 08 §3.3."""
    lines: list[str] = []
    for instance in _instances(entries, targets):
        lines.append(f"INSTANCE: {instance}")
        for entry in entries:
            if instance in entry.get("instances", ()):
                lines.extend(entry_lines(entry, instance))
    return lines


def entry_lines(entry: Mapping[str, Any], instance: str) -> list[str]:
    head = [
        f"BACKUP-ID: {entry['backup_id']} BACKUP-MODE: {entry['mode']} INSTANCE: {instance} "
        f"ORIGINAL-ID: {entry.get('original_id') or entry['backup_id']}",
        f"START-TIME: {show_time(entry.get('started_at'))} "
        f"END-TIME: {show_time(entry.get('ended_at'))}",
        f"HOSTNAME: {entry.get('origin_host', '')}",
    ]
    rows = [row for row in entry.get("rows", ()) if row.get("file") == instance] \
        or list(entry.get("rows", ()))
    table: list[list[str]] = []
    for row in rows:
        table.append([row.get("kind", "F"), row.get("file", "-"), row.get("file_system", "-"),
                      row.get("disk_group") or "-", row.get("device", "-"), row["copy_group"]])
        table.append(["-", "", "", "", "", row["copy_group"]])
    return head + columns(ROW_HEADERS, table)


def _instances(entries: Sequence[Mapping[str, Any]], targets: Sequence[str]) -> list[str]:
    present = {instance for entry in entries for instance in entry.get("instances", ())}
    if not targets:
        return sorted(present)
    return [target for target in dict.fromkeys(targets) if target in present]


# -- drmfsdisplay --------------------------------------------------------------------------------
def maps_lines(volumes: Sequence[Mapping[str, Any]], copy_func: bool) -> list[str]:
    """One ``INSTANCE:`` block per mount point (spec 08 §3.4); ``copy_func`` adds -cf columns."""
    headers = ROW_HEADERS + (CF_HEADERS if copy_func else ())
    lines: list[str] = []
    for volume in volumes:
        mount_point = volume["mount_point"]
        lines.append(f"INSTANCE: {mount_point}")
        table: list[list[str]] = []
        for group in volume.get("copy_groups", ()) or ({},):
            extra = [group.get("copy_func", "-"), group.get("generation", "-")] \
                if copy_func else []
            name = group.get("copy_group", "-")
            table.append(["F", mount_point, mount_point, "-", volume.get("device", "-"), name,
                          *extra])
            if group:
                table.append(["-", "", "", "", "", name, *extra])
        lines.extend(columns(headers, table))
    return lines


# -- drmcgctl, drmappcat -------------------------------------------------------------------------
def copy_group_lines(groups: Sequence[Mapping[str, Any]]) -> list[str]:
    return columns(CG_HEADERS, [
        [group["copy_group"], "LOCKED" if group.get("locked") else "UNLOCKED",
         group.get("backup_id") or "-"] for group in groups])


def appcat_lines(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    return columns(APPCAT_HEADERS, [
        [entry["backup_id"], entry["mode"], entry.get("object_type", "FILESYSTEM"),
         show_time(entry.get("started_at")), show_time(entry.get("ended_at"))]
        for entry in entries])
