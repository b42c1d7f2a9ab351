"""A PostgreSQL backup coming home through the backup server (issue 14, pg-more). Pure.

The tape round trip goes through the backup server as for a file-system entry: the entry is
exported to it, mounted, put on tape (``drmmediabackup``), later put back on the S-VOLs
(``drmmediarestore``, a new entry whose ORIGINAL-ID is the backup's), and exported back. The
backup server needs none of PostgreSQL's facts; the cluster's host keeps them. When that host
imports an entry whose origin is itself and whose ORIGINAL-ID is one of its PostgreSQL backups,
the backup's facts (label, LSNs, timeline, WAL range) are recorded again under the new backup
ID, so ``drm pg restore <new-ID>`` lays the original label down and the WAL chain of the
original backup rolls it forward to the same target.
"""
from __future__ import annotations

from events import postgres as pg
from events.application import MetadataFile
from projections.host_view import HostView


def returning_pg_details(view: HostView, origin_host: str, original_id: str,
                         backup_id: str) -> list[pg.PgBackupDetails]:
    """``PgBackupDetails`` of ``original_id`` rebound to ``backup_id`` when the entry comes
    home (its origin is this host and its original is a PostgreSQL backup here), else []."""
    if origin_host.lower() != view.host.lower():
        return []
    original = view.postgres.backups.get(original_id)
    if original is None:
        return []
    return [pg.PgBackupDetails(
        backup_id=backup_id, workflow_id="", cluster=original.cluster, mode=original.mode,
        generation=original.generation, copy_groups=original.copy_groups,
        start_lsn=original.start_lsn, stop_lsn=original.stop_lsn, timeline=original.timeline,
        start_wal=original.start_wal, stop_wal=original.stop_wal,
        label_path=original.label_path, label_sha256=original.label_sha256,
        tablespace_map_path=original.tablespace_map_path,
        tablespace_map_sha256=original.tablespace_map_sha256,
        metadata=tuple(MetadataFile(database=original.cluster, path=path, size=size,
                                    sha256=digest)
                       for path, size, digest in original.metadata))]
