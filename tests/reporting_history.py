"""Realistic host histories for the reporting tests and benchmark: map refreshes, backups with
their steps and outcomes, rotation over generations, supersession, failures, locks.

``HistoryWriter`` seals events exactly as a store does (``seal_with_payload_json``), so the
hash chain is real; the sealed envelopes can be appended to a store, published to the stream,
or folded in memory.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Iterator

from events import REGISTRY, EventContext, EventEnvelope
from events import filesystem as fs
from events.canonical import GENESIS_HASH
from events.envelope import seal_with_payload_json
from events.maps import CopyGroupMap, DictionaryMapRefreshed, VolumeMap
from events.outcomes import CommandCompleted, CommandFailed

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class HistoryWriter:
    """The sealed history of one host, one command at a time."""

    def __init__(self, host: str, mounts: int = 4, generations: int = 3,
                 start: datetime = START, step: timedelta = timedelta(minutes=1)) -> None:
        self.host, self.mounts, self.generations = host, mounts, generations
        self.clock, self.step = start, step
        self.seq, self.hash = 0, GENESIS_HASH
        self.next_backup = 1
        self.commands = 0
        self.live: dict[str, str] = {}  # copy group -> backup id
        self.locked: set[str] = set()

    def group(self, mount: int, generation: int) -> str:
        return f"VG{mount:02d},dev{generation:02d}"

    def _seal(self, payloads, principal: str = "admin@console") -> list[EventEnvelope]:
        self.commands += 1
        self.clock += self.step
        command_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.host}/{self.commands}"))
        context = EventContext(principal=principal, occurred_at=self.clock,
                               command_id=command_id, correlation_id=command_id)
        drafts = [REGISTRY.draft(p(command_id) if callable(p) else p) for p in payloads]
        sealed = [e for e, _ in seal_with_payload_json(self.host, self.seq, self.hash, drafts,
                                                       context)]
        self.seq, self.hash = sealed[-1].seq, sealed[-1].hash
        return sealed

    def refresh_maps(self) -> list[EventEnvelope]:
        volumes = tuple(VolumeMap(mount_point=f"/mnt/fs{m}", device=f"100:{m:04x}", copy_groups=tuple(
            CopyGroupMap(copy_group=self.group(m, g), copy_type="SI", copy_func="ShadowImage",
                         mu=str(g), generation=f"local_{g}", role="P-VOL",
                         pvol=f"100:{m:04x}", svol=f"100:{0x100 + m * 8 + g:04x}")
            for g in range(self.generations))) for m in range(self.mounts))
        return self._seal([DictionaryMapRefreshed(volumes=volumes),
                           CommandCompleted(command="RefreshMaps")], principal="agent")

    def backup(self, mount: int, fail: bool = False) -> list[EventEnvelope]:
        candidates = [g for g in range(self.generations)
                      if self.group(mount, g) not in self.locked]
        generation = candidates[self.commands % len(candidates)]
        group, backup_id = self.group(mount, generation), f"{self.next_backup:010d}"
        self.next_backup += 1
        instance = f"/mnt/fs{mount}"
        steps = [
            lambda w: fs.BackupRequested(workflow_id=w, backup_id=backup_id, mode="ONLINE",
                                         instances=(instance,), generation=f"local_{generation}",
                                         copy_groups=(group,)),
            lambda w: fs.PairResyncRequested(workflow_id=w, copy_group=group),
            lambda w: fs.PairResynced(workflow_id=w, copy_group=group, direction="forward",
                                      status="PAIR", bytes_copied=4096),
            lambda w: fs.PairSplitRequested(workflow_id=w, copy_group=group),
        ]
        if fail:
            steps += [
                lambda w: fs.PairStepFailed(workflow_id=w, copy_group=group, operation="split",
                                            error="simulated fault", status="PSUE"),
                lambda w: fs.BackupAborted(workflow_id=w, backup_id=backup_id,
                                           reason="split failed", step="split"),
                CommandFailed(command="BackupFileSystem", message_id="KAVX0006-E",
                              text="An error that stopped processing occurred."),
            ]
            return self._seal(steps)
        steps.append(lambda w: fs.PairSplit(workflow_id=w, copy_group=group, pvol_status="PSUS",
                                            svol_status="SSUS"))
        if group in self.live:
            old = self.live[group]
            steps.append(fs.BackupEntryDeleted(backup_id=old, reason="superseded",
                                               by_backup_id=backup_id, copy_groups=(group,)))
        self.live[group] = backup_id
        at = self.clock + self.step
        steps += [
            lambda w: fs.BackupRecorded(
                backup_id=backup_id, original_id=backup_id, origin_host=self.host,
                mode="ONLINE", instances=(instance,),
                rows=(fs.ObjectRow(file=instance, file_system=instance,
                                   device=f"100:{mount:04x}", copy_group=group),),
                generation=f"local_{generation}", copy_groups=(group,),
                started_at=at - timedelta(seconds=30), ended_at=at, workflow_id=w),
            CommandCompleted(command="BackupFileSystem", result={"backup_id": backup_id}),
        ]
        return self._seal(steps)

    def lock(self, mount: int, generation: int, locked: bool = True) -> list[EventEnvelope]:
        group = self.group(mount, generation)
        (self.locked.add if locked else self.locked.discard)(group)
        event = fs.CopyGroupLocked(copy_group=group, by="drmcgctl") if locked \
            else fs.CopyGroupUnlocked(copy_group=group, by="drmcgctl")
        return self._seal([event, CommandCompleted(command="LockCopyGroup")],
                          principal="operator@console")


def history(host: str, commands: int, mounts: int = 4, generations: int = 3,
            **clock) -> Iterator[EventEnvelope]:
    """A mixed history of ``commands`` commands: a map refresh first and every 500 commands,
    one backup in 40 failing, a lock taken and released now and then."""
    writer = HistoryWriter(host, mounts, generations, **clock)
    yield from writer.refresh_maps()
    for n in range(1, commands):
        if n % 500 == 0:
            yield from writer.refresh_maps()
        elif n % 97 == 0:
            yield from writer.lock(n % mounts, n % generations, locked=True)
        elif n % 97 == 5:
            yield from writer.lock((n - 5) % mounts, (n - 5) % generations, locked=False)
        else:
            yield from writer.backup(n % mounts, fail=n % 40 == 0)


def write_to_store(store, events: list[EventEnvelope]) -> None:
    """Store already sealed events of one host as its agent's store holds them (rows and the
    stream head), in one transaction; the store then reads, verifies and relays them."""
    from sqlalchemy import insert, update

    from adapters.event_store.tables import streams
    from events.canonical import canonical_bytes

    host = events[0].host
    head_seq, _ = store.head(host)
    with store.engine.begin() as conn:
        for sql, params in store.insert_statements(
                [(e, canonical_bytes(e.payload)) for e in events]):
            conn.exec_driver_sql(sql, params)
        values = {"head_seq": events[-1].seq, "head_hash": events[-1].hash}
        if head_seq == 0:
            conn.execute(insert(streams).values(host=host, published_seq=0, **values))
        else:
            conn.execute(update(streams).where(streams.c.host == host).values(**values))


def tape_backup(writer: HistoryWriter, source_backup_id: str, copy_group: str,
                medium: str = "MEDIA01") -> list[EventEnvelope]:
    """A tape entry of ``source_backup_id`` (the backup server's media copy), as recorded."""
    from events import tape

    backup_id = f"{writer.next_backup:010d}"
    writer.next_backup += 1
    return writer._seal([tape.TapeBackupRecorded(
        backup_id=backup_id, original_id=source_backup_id, origin_host="FSServer",
        source_backup_id=source_backup_id, mode="ONLINE", instances=("/mnt/fs0",),
        rows=(fs.ObjectRow(file="/mnt/fs0", file_system="/mnt/fs0", device="100:0000",
                           copy_group=copy_group),),
        generation="local_0", copy_groups=(copy_group,), snapshot_at=writer.clock,
        recorded_at=writer.clock, archives=(tape.TapeArchive(copy_group=copy_group,
                                                             medium=medium, label="L1"),)),
        CommandCompleted(command="MediaBackup")])
