"""The manual's console lines of the backup-server commands (spec 08 §3.9–§3.12, spec 04
§10.3). Pure: result dicts shaped as ``events.tape`` documents in, lines out."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from services.cli.catalog_layouts import ROW_HEADERS, columns, show_time

SHORT_HEADERS = ("BACKUP-ID", "BACKUP-OBJECT", "SNAPSHOT TIME", "EXPIRATION TIME", "BACKUP-MEDIA")
LONG_HEADERS = ("BACKUP-ID", "ORIGINAL-ID", "HOSTNAME", "BACKUP-OBJECT", "INSTANCE",
                "SNAPSHOT TIME", "EXPIRATION TIME", "BACKUP-MEDIA")
PERMANENT = "PERMANENT"


def mounting(mount_point: str) -> list[str]:
    return [f"KAVX0400-I Mounting will now start. Mount point = {mount_point}",
            f"KAVX0401-I Mounting has finished. Mount point = {mount_point}"]


def unmounting(mount_point: str) -> list[str]:
    return [f"KAVX0406-I Unmounting will now start. Mount point = {mount_point}",
            f"KAVX0407-I Unmounting has finished. Mount point = {mount_point}"]


def media_backup(source: str) -> list[str]:
    return [f"KAVX0402-I Backup processing will now start. Source = {source}",
            f"KAVX0403-I Backup processing has finished. Source = {source}"]


def media_restore(source: str, target: str) -> list[str]:
    return [f"KAVX0404-I Restoration will now start. Source = {source} Target = {target}",
            f"KAVX0405-I Restoration has finished. Source = {source} Target = {target}"]


def tape_deleted(backup_id: str) -> str:
    return ("KAVX0424-I The backup information corresponding to the specified backup ID has "
            f"been deleted. Backup ID = {backup_id}")


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
