"""Helpers for backup-server tests: BKServer's S-VOL mount points, and an entry handed to it
the way an import does (a ``BackupRecorded`` with a new local ID, the ORIGINAL-ID kept)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from events import REGISTRY, EventContext
from events.filesystem import BackupRecorded

BK_HOST = "BKServer"


def bk_mount(data_dir: Path, n: int = 1) -> Path:
    return Path(data_dir) / "hosts" / "BKServer" / "mnt" / f"vg0{n}"


def hand_over(fs_agent, bk_agent, backup_id: str) -> str:
    """Record FSServer's entry ``backup_id`` on BKServer as an import would; the new BK ID."""
    entry = fs_agent.view.catalog[backup_id]
    bk_agent.catch_up()
    new_id = bk_agent.view.next_backup_id
    recorded = BackupRecorded(
        backup_id=new_id, original_id=entry.original_id, origin_host=entry.origin_host,
        mode=entry.mode, instances=entry.instances,
        rows=tuple(dict(r._asdict()) for r in entry.rows), generation=entry.generation,
        copy_groups=entry.copy_groups, started_at=entry.started_at, ended_at=entry.ended_at,
        comment=entry.comment)
    context = EventContext(principal="tester@lab", occurred_at=datetime.now(timezone.utc))
    bk_agent.store.append(bk_agent.host, [REGISTRY.draft(recorded)], bk_agent.view.seq, context)
    bk_agent.catch_up()
    return new_id
