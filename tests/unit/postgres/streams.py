"""Event streams of a PostgreSQL cluster for the decide, query and fold tests (issue 14)."""
from __future__ import annotations

from datetime import timedelta

from events import filesystem as fs
from events import application as app
from events import postgres as pg
from tests.unit.agent_fs.views import HOST, T0, group, maps, volume

DATA, WALV = "/lab/pgdata", "/lab/pgwal"
CLUSTER = "main"
DATA_DEV, WAL_DEV = "410001:256", "410001:300"
SHA = "a" * 64


def wal_group(n: int):
    g = group(n, device=WAL_DEV)
    return g.model_copy(update={"copy_group": f"WG0{n + 1},WAL0{n + 1}",
                                "svol": f"410001:{301 + n}"})


def pg_maps():
    return maps(volume(DATA, DATA_DEV, (group(0, device=DATA_DEV), group(1, device=DATA_DEV))),
                volume(WALV, WAL_DEV, (wal_group(0), wal_group(1))))


def configured():
    return pg.PgClusterConfigured(
        cluster=CLUSTER, log_backup_dir="/logs/main", metadata_dir="/labels/main",
        files=(pg.PgClusterFile(path=f"{DATA}/data", kind="data", mount_point=DATA,
                                copy_groups=("VG01,VOL01", "VG02,VOL02")),
               pg.PgClusterFile(path=f"{WALV}/wal", kind="wal", mount_point=WALV,
                                copy_groups=("WG01,WAL01", "WG02,WAL02"))))


def segment(n: int, timeline: int = 1) -> str:
    return f"{timeline:08X}00000000{n:08X}"


def archived(n: int, timeline: int = 1, backup_id: str = "0000000001") -> pg.PgWalArchived:
    return pg.PgWalArchived(cluster=CLUSTER, file_name=segment(n, timeline), kind="segment",
                            timeline=timeline, size=16 << 20, sha256=SHA, backup_id=backup_id)


def history(timeline: int, *switches) -> pg.PgWalArchived:
    return pg.PgWalArchived(
        cluster=CLUSTER, file_name=f"{timeline:08X}.history", kind="history",
        timeline=timeline, size=40, sha256=SHA, backup_id="",
        switches=tuple(pg.TimelineSwitch(parent=p, lsn=lsn) for p, lsn in switches))


def backup(backup_id: str, workflow: str, generation: str = "local_0", start: int = 2,
           stop: int = 3, timeline: int = 1, mode: str = "ONLINE", recorded: bool = True):
    """A backup's whole workflow as the agent records it: request, pairs, freeze (online) or
    server stop (cold), splits, thaw or start, the entry and its details."""
    groups = ("VG01,VOL01", "WG01,WAL01") if generation == "local_0" else ("VG02,VOL02",
                                                                         "WG02,WAL02")
    hold = dict(workflow_id=workflow, kind="postgresql", instance=CLUSTER, databases=())
    events = [fs.BackupRequested(workflow_id=workflow, backup_id=backup_id, mode=mode,
                                 instances=(DATA, WALV), generation=generation,
                                 copy_groups=groups),
              pg.PgBackupRequested(workflow_id=workflow, backup_id=backup_id, cluster=CLUSTER,
                                   mode=mode, copy_groups=groups)]
    events += [fs.PairResynced(workflow_id=workflow, copy_group=g, direction="forward",
                               status="PAIR") for g in groups]
    if mode == "ONLINE":
        events += [app.FreezeRequested(**hold, timeout=3600, backup_id=backup_id),
                   app.ApplicationFrozen(**hold, token="t", frozen_at=1.0, timeout=3600)]
    else:
        events += [pg.PgServerStopRequested(workflow_id=workflow, cluster=CLUSTER),
                   pg.PgServerStopped(workflow_id=workflow, cluster=CLUSTER)]
    events += [fs.PairSplit(workflow_id=workflow, copy_group=g, pvol_status="PSUS",
                            svol_status="SSUS") for g in groups]
    if not recorded:
        return events
    lsns = dict(start_lsn=f"0/{start << 24:X}", stop_lsn=f"0/{(stop << 24) + 0x100:X}",
                timeline=timeline, start_wal=segment(start, timeline),
                stop_wal=segment(stop, timeline))
    label = app.MetadataFile(database=CLUSTER, path=f"/labels/main/{backup_id}_backup_label",
                             size=200, sha256=SHA)
    if mode == "ONLINE":
        events.append(app.ApplicationThawed(**hold, metadata=(label,)))
    else:
        events += [pg.PgServerStartRequested(workflow_id=workflow, cluster=CLUSTER),
                   pg.PgServerStarted(workflow_id=workflow, cluster=CLUSTER)]
    events.append(fs.BackupRecorded(
        backup_id=backup_id, original_id=backup_id, origin_host=HOST, mode=mode,
        instances=(DATA, WALV), rows=(), generation=generation, copy_groups=groups,
        started_at=T0, ended_at=T0 + timedelta(minutes=1), workflow_id=workflow))
    online = mode == "ONLINE"
    events.append(pg.PgBackupDetails(
        backup_id=backup_id, workflow_id=workflow, cluster=CLUSTER, mode=mode,
        generation=generation, copy_groups=groups, label_path=label.path if online else None,
        label_sha256=SHA if online else None, metadata=(label,) if online else (), **lsns))
    return events


def every_pg_event() -> list:
    """Every ``events.postgres`` type, and no other (for the fold's completeness test, whose
    other assertions it must leave alone)."""
    return [e for e in pg_stream() if type(e) in pg.PG_EVENTS]


def pg_stream() -> list:
    """A cluster's life: set-up, a backup, WAL, an abandoned backup, a restore, recoveries."""
    return [
        pg_maps(), configured(),
        *backup("0000000101", "w-pg1"),
        archived(2, backup_id="0000000101"), archived(3, backup_id="0000000101"),
        history(2, (1, "0/5000000")),
        pg.PgWalReleased(cluster=CLUSTER, file_names=(segment(2),), reason="test"),
        *backup("0000000102", "w-pg2", "local_1", recorded=False),
        pg.PgServerStopRequested(workflow_id="w-pgr", cluster=CLUSTER),
        pg.PgServerStopped(workflow_id="w-pgr", cluster=CLUSTER),
        pg.PgLabelLaidDown(workflow_id="w-pgr", cluster=CLUSTER, backup_id="0000000101"),
        pg.PgRecoveryRequested(workflow_id="w-pgr", cluster=CLUSTER, backup_id="0000000101",
                               target="latest"),
        pg.PgRecoveryFailed(workflow_id="w-pgr", cluster=CLUSTER, backup_id="0000000101",
                            reason="x"),
        pg.PgRecoveryRequested(workflow_id="w-pgr2", cluster=CLUSTER, backup_id="0000000101",
                               target="immediate"),
        pg.PgServerStartRequested(workflow_id="w-pgr2", cluster=CLUSTER),
        pg.PgServerStarted(workflow_id="w-pgr2", cluster=CLUSTER),
        pg.PgRecoveryEnded(workflow_id="w-pgr2", cluster=CLUSTER, backup_id="0000000101",
                           timeline=2, lsn="0/3000100"),
    ]
