"""Views for decider tests, built by folding events (no store, no storage)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from events import REGISTRY, EventEnvelope
from events import filesystem as fs
from events.maps import CopyGroupMap, DictionaryMapRefreshed, VolumeMap
from projections.host_fold import fold

HOST = "FSServer"
MP = "/lab/fs1"
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def envelopes(payloads, host: str = HOST, first_seq: int = 1):
    for offset, payload in enumerate(payloads):
        draft = REGISTRY.draft(payload)
        yield EventEnvelope.trusted(
            event_id=str(uuid.uuid4()), host=host, seq=first_seq + offset, type=draft.type,
            version=draft.version, occurred_at=T0, command_id=None, correlation_id=None,
            causation_id=None, principal="t", payload=payload.model_dump(mode="json"),
            prev_hash="0" * 64, hash="0" * 64)


def view_of(*payloads, host: str = HOST):
    return fold(host, envelopes(payloads, host))


def group(n: int, kind: str = "local", device: str = "410001:256", role: str = "P-VOL"):
    name = f"VG0{n + 1},VOL0{n + 1}" if kind == "local" else f"TC0{n + 1},VOL01"
    return CopyGroupMap(copy_group=name, copy_type="SI" if kind == "local" else "TC",
                        copy_func="ShadowImage", mu=str(n) if kind == "local" else "",
                        generation=f"{kind}_{n}", role=role, pvol=device,
                        svol=f"410001:{257 + n}")


def volume(mp: str = MP, device: str = "410001:256", groups=None):
    groups = (group(0), group(1), group(2), group(0, "remote")) if groups is None else groups
    return VolumeMap(mount_point=mp, device=device, copy_groups=tuple(groups))


def maps(*volumes):
    return DictionaryMapRefreshed(volumes=tuple(volumes or (volume(),)))


def recorded(backup_id: str, copy_groups, instances=(MP,), minutes: int = 0):
    return fs.BackupRecorded(
        backup_id=backup_id, original_id=backup_id, origin_host=HOST, mode="ONLINE",
        instances=tuple(instances), rows=(), generation="local_0",
        copy_groups=tuple(copy_groups), started_at=T0 + timedelta(minutes=minutes),
        ended_at=T0 + timedelta(minutes=minutes))


def locked(name: str):
    return fs.CopyGroupLocked(copy_group=name, by="drmcgctl")
