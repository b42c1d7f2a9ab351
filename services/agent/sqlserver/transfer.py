"""A SQL Server entry's details across the catalog transfer (issue 13): what an export carries
(``ExportBody.sql``) and what an import records under its new backup ID. Pure."""
from __future__ import annotations

from events import sqlserver as sql
from events.application import MetadataFile
from projections.sql_view import SqlBackup


def exported_details(details: SqlBackup | None, original_id: str) -> sql.SqlBackupDetails | None:
    """The view's details of an entry as the export document carries them (no workflow)."""
    if details is None:
        return None
    return sql.SqlBackupDetails(
        backup_id=details.backup_id, instance=details.instance, databases=tuple(
            sql.SqlDatabaseRecord(
                name=d.name, database_id=d.database_id, system=d.system,
                recovery_model=d.recovery_model, state=d.state, files=tuple(
                    sql.SqlFileRecord(path=f.path, kind=f.kind, mount_point=f.mount_point,
                                      device=f.device, copy_groups=f.copy_groups)
                    for f in d.files)) for d in details.databases),
        metafiles=tuple(MetadataFile(database=m.database, path=m.path, size=m.size,
                                     sha256=m.sha256) for m in details.metafiles),
        metadata_dir=details.metadata_dir, online=details.online, template=details.template,
        system=details.system, recorded_at=details.recorded_at, comment=details.comment,
        original_id=original_id)


def imported_details(carried: sql.SqlBackupDetails | None, backup_id: str,
                     original_id: str) -> list[sql.SqlBackupDetails]:
    """The details an import records (none when the document carries none)."""
    if carried is None:
        return []
    return [carried.model_copy(update={"backup_id": backup_id, "original_id": original_id,
                                       "workflow_id": ""})]
