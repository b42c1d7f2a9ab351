"""A PostgreSQL backup to tape and back through the backup server (issue 14, pg-more), as a
file-system entry goes: exported to BKServer, mounted, ``drmmediabackup``, unmounted; the
S-VOLs are then lost; ``drmmediarestore`` puts the tape back on them, the restored entry comes
home (export, import: its PostgreSQL facts follow its ORIGINAL-ID), and ``drm pg restore`` of
it plus the WAL chain reaches the same rows as the disk backup would. Skipped (reason shown)
where the PostgreSQL binaries are absent."""
from __future__ import annotations

import contextlib
import shutil

import pytest

from services.agent.bootstrap import build_agent
from services.settings import load_settings
from tests.fs_lab import command
from tests.integration.postgres.test_pg_commands import result, rows, sql
from tests.pg_lab import (BACKUP_SERVER, CLUSTER, HOST, PLACES, SERIAL, free_port, make_lab,
                          needs_postgres, pg_base)

pytestmark = needs_postgres()


@pytest.fixture
def labs():
    base = pg_base()
    _, storage, spec = make_lab(base, free_port(), backup_server=True)
    settings = load_settings(environ={}, data_dir=base, hostname=HOST)
    db = build_agent(settings, HOST)
    bk = build_agent(load_settings(environ={}, data_dir=base, hostname=BACKUP_SERVER),
                     BACKUP_SERVER)
    app = db.ports.application("postgresql")
    app.initdb(CLUSTER)
    app.start(CLUSTER)
    try:
        yield db, bk, app, spec, base
    finally:
        app.close()
        with contextlib.suppress(Exception):
            app.stop(CLUSTER)
        storage.wait_idle(10)
        shutil.rmtree(base, ignore_errors=True)


def on(agent, name, **args):
    return result(agent.handle(command(name, host=agent.host, **args)))


def moved(source, target, backup_id: str) -> str:
    """``drmdbexport`` on ``source`` + ``drmdbimport`` on ``target``: the new backup ID."""
    document = on(source, "ExportBackup", backup_id=backup_id)["document"]
    return on(target, "ImportBackup", document=document)["backup_id"]


def test_a_postgres_backup_goes_to_tape_and_back_and_recovers_to_the_same_rows(labs):
    db, bk, app, spec, base = labs
    on(db, "ConfigurePgCluster", cluster=CLUSTER)
    sql(spec, "CREATE TABLE checks (n int PRIMARY KEY)")
    sql(spec, "INSERT INTO checks (n) SELECT generate_series(1, 100)")
    disk_id = on(db, "BackupPgCluster", cluster=CLUSTER)["backup_id"]

    on_bk = moved(db, bk, disk_id)
    on(bk, "MountSvol", backup_id=on_bk)
    tape_id = on(bk, "BackupToTape", backup_id=on_bk)["backup_id"]
    on(bk, "UnmountSvol", backup_id=on_bk)

    sql(spec, "INSERT INTO checks (n) VALUES (101)")
    on(db, "BackupPgLogs", cluster=CLUSTER)
    for _, svol in PLACES.values():  # the S-VOLs are lost: only the tape holds the backup
        ldev = base / "arrays" / SERIAL / "ldev" / str(svol)
        for item in ldev.iterdir():
            shutil.rmtree(item) if item.is_dir() else item.unlink()

    on(bk, "MountSvol", backup_id=tape_id)
    restored_bk = on(bk, "RestoreFromTape", backup_id=tape_id)["backup_id"]
    on(bk, "UnmountSvol", backup_id=tape_id)
    home = moved(bk, db, restored_bk)
    details = db.view.postgres.backups[home]
    assert details.start_lsn == db.view.postgres.backups[disk_id].start_lsn
    assert db.view.catalog[home].original_id == disk_id

    app.stop(CLUSTER)  # disaster: the data volume is lost too
    for item in spec.data_dir.iterdir():
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
    assert on(db, "RestorePgCluster", backup_id=home)["chain"]["complete"]
    on(db, "RecoverPgCluster", cluster=CLUSTER, target="latest")
    assert rows(spec) == list(range(1, 102))
