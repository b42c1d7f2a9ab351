"""A host with the simulated SQL Server engine and a live view, for handler tests without a
broker: ``SqlHost.run(command)`` calls the agent's handler table as the agent does (the outcome
or the rejection), recording into a view folded as it goes. The full backup is made as the
backup slice makes it (freeze, copy, thaw, ``BackupRecorded`` + ``SqlBackupDetails``), with the
copy to a directory standing in for the S-VOL."""
from __future__ import annotations

import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from adapters.sqlserver.engine import SqlServerEngine
from events import application as app, filesystem as fs, sqlserver as sqlev
from events.outcomes import CommandRejected
from projections.host_fold import apply
from projections.host_view import HostView
from services.agent.errors import CommandRejection
from services.agent.handlers import COMMAND_HANDLERS, QUERY_HANDLERS
from services.agent.ports import AgentPorts
from tests.unit.agent_fs.views import HOST, T0, envelopes

INSTANCE = "default"


class SqlHost:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.engine = SqlServerEngine(root / "state", [root])
        self.engine.define_instance(INSTANCE, root / "sys")
        self.data = root / "G"
        self.svol = root / "svol"
        self.view = HostView(HOST)
        self.events: list = []
        self.ports = AgentPorts(applications={"sqlserver": self.engine}, data_dir=root)
        self.record(sqlev.SqlSettingsRegistered(instance=INSTANCE, vdi_timeout=300,
                                                undo_dir=str(root / "undo"),
                                                log_backup_dir=str(root / "logs")))

    def close(self) -> None:
        self.engine.close()

    def record(self, *payloads) -> None:
        for envelope in envelopes(payloads, first_seq=self.view.seq + 1):
            apply(self.view, envelope)
        self.events.extend(payloads)

    def context(self):
        workflow_id = str(uuid.uuid4())
        return SimpleNamespace(
            host=HOST, view=self.view, ports=self.ports, progress=lambda text: None,
            envelope=SimpleNamespace(workflow_id=workflow_id),
            record=lambda payloads: self.record(*payloads), clock=lambda: T0)

    def run(self, command):
        """The handler's outcome; a rejection as ``CommandRejected`` (nothing recorded)."""
        handlers = QUERY_HANDLERS if command.is_query else COMMAND_HANDLERS
        try:
            found = handlers[type(command)](command, self.context())
        except CommandRejection as error:
            return CommandRejected(command=command.name, message_id=error.message_id,
                                   text=error.text)
        return found if command.is_query else found[-1]

    # -- the backup side, as the backup slice does it ---------------------------------------
    def create(self, name: str) -> None:
        self.engine.create_database(INSTANCE, name, [self.data], self.data)

    def full_backup(self, backup_id: str, databases: tuple[str, ...]) -> None:
        frozen, metadata = self.engine.freeze(INSTANCE, databases, 300, None, backup_id)
        shutil.rmtree(self.svol, ignore_errors=True)
        shutil.copytree(self.data, self.svol)
        self.engine.thaw(frozen)
        infos = {d.name: d for d in self.engine.databases(INSTANCE)}
        records = tuple(sqlev.SqlDatabaseRecord(
            name=n, database_id=infos[n].database_id, files=tuple(sqlev.SqlFileRecord(
                path=f.path, kind=f.kind, mount_point=str(self.data), device="1:1",
                copy_groups=("VG01,VOL01",)) for f in infos[n].files)) for n in databases)
        self.record(
            sqlev.SqlBackupDetails(backup_id=backup_id, instance=INSTANCE, databases=records,
                                   metafiles=tuple(app.MetadataFile(
                                       database=m.database, path=m.path, size=m.size,
                                       sha256=m.sha256) for m in metadata)),
            fs.BackupRecorded(backup_id=backup_id, original_id=backup_id, origin_host=HOST,
                              mode="ONLINE", object_type="MSSQL", instances=(INSTANCE,),
                              rows=(), generation="local_0", copy_groups=("VG01,VOL01",),
                              started_at=T0, ended_at=T0 + timedelta(seconds=1)))

    def copy_back(self) -> None:
        """What the reverse resync (or the operator, before -no_resync) does: the S-VOL's
        files back onto the P-VOL."""
        shutil.rmtree(self.data)
        shutil.copytree(self.svol, self.data)
