"""The manual's console lines of the backup-server commands (spec 08 §3.9–§3.12, spec 04
§10.3). Pure: result dicts shaped as ``events.tape`` documents in, lines out."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from services import messages
from services.cli.catalog_layouts import ROW_HEADERS, columns, show_time

SHORT_HEADERS = ("BACKUP-ID", "BACKUP-OBJECT", "SNAPSHOT TIME", "EXPIRATION TIME", "BACKUP-MEDIA")
LONG_HEADERS = ("BACKUP-ID", "ORIGINAL-ID", "HOSTNAME", "BACKUP-OBJECT", "INSTANCE",
                "SNAPSHOT TIME", "EXPIRATION TIME", "BACKUP-MEDIA")
PERMANENT = "PERMANENT"


def mounting(mount_point: str) -> list[str]:
    where = f"Mount point = {mount_point}"
    return [messages.line(messages.MOUNT_START, where), messages.line(messages.MOUNT_END, where)]


def unmounting(mount_point: str) -> list[str]:
    where = f"Mount point = {mount_point}"
    return [messages.line(messages.UNMOUNT_START, where),
            messages.line(messages.UNMOUNT_END, where)]


def unguarded(guard: Mapping[str, Any]) -> str:
    who = "root" if guard["guard"] == "modes" else "any user"
    return messages.line(messages.READ_ONLY_UNGUARDED, f"Mount point = {guard['mount_point']}",
                         user=who, guard=f"guard {guard['guard']}")


def changed(change: Mapping[str, Any]) -> str:
    shown = ", ".join(change["paths"][:5]) + (", ..." if change["total"] > 5 else "")
    return messages.line(messages.READ_ONLY_CHANGED, f"Mount point = {change['mount_point']}",
                         total=change["total"], paths=shown)


def definition_updated(path: str) -> str:
    return messages.line(messages.DEFINITION_UPDATED, f"File name = {path}")


def media_backup(source: str) -> list[str]:
    where = f"Source = {source}"
    return [messages.line(messages.MEDIA_BACKUP_START, where),
            messages.line(messages.MEDIA_BACKUP_END, where)]


def media_restore(source: str, target: str) -> list[str]:
    where = f"Source = {source} Target = {target}"
    return [messages.line(messages.MEDIA_RESTORE_START, where),
            messages.line(messages.MEDIA_RESTORE_END, where)]


def tape_deleted(backup_id: str) -> str:
    return messages.line(messages.ENTRY_DELETED, f"Backup ID = {backup_id}")


def expiration(value: str | None) -> str:
    return show_time(value) if value else PERMANENT


def tape_lines(entries: Sequence[Mapping[str, Any]], long: bool = False,
               detail: bool = False) -> list[str]:
    """``drmtapecat``: the short table, the long one (``-l``), or with ``detail`` (``-o``) the
    long one followed by each entry's object rows."""
    if detail:
        lines = []
        for entry in entries:
            lines += tape_lines([entry], long=True)
            lines += columns(ROW_HEADERS, [[r["kind"], r["file"], r["file_system"],
                                            r["disk_group"], r["device"], r["copy_group"]]
                                           for r in entry["rows"]])
        return lines or columns(LONG_HEADERS, [])
    if long:
        return columns(LONG_HEADERS, [
            [e["backup_id"], e["original_id"], e["origin_host"], e["object_type"],
             ",".join(e["instances"]), show_time(e["snapshot_at"]), expiration(e["expires_at"]),
             ",".join(e["media"])] for e in entries])
    return columns(SHORT_HEADERS, [
        [e["backup_id"], e["object_type"], show_time(e["snapshot_at"]),
         expiration(e["expires_at"]), ",".join(e["media"])] for e in entries])


def settings_lines(settings: Mapping[str, Any]) -> list[str]:
    """``drmtapeinit -v``."""
    return [f"backup-product-name: {settings['product']}",
            f"number-of-backup-catalog-storage-days: {settings['retention_days']}"]
