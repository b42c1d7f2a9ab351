"""Pure decisions of the backup-server commands: the view (and facts read beforehand: live pair
statuses, the clock, the tape settings) in, events or a ``CommandRejection`` out.

Rules (spec 04 §3.5, §10.3, §10.9, §19 rules 5, 6, 8, 15; spec 08 §1.6, §1.7, §3.9–§3.12):
- the copy groups of a mount are those of the entry (disk or tape) or the one ``-copy_group``;
  each must be known on this host as an S-VOL (dictionary map) and not be PAIR, COPY or RCPY
  (``DRM-10030``), and not be mounted already (``DRM-10031``);
- mount point: ``-mount_pt`` for a single copy group; for several, ``<mount_pt>/<name>`` where
  ``<name>`` is the last part of the S-VOL's own mount point on this host (the POSIX reading of
  "``<path>\\<P-VOL drive>``"); without ``-mount_pt``, the S-VOL's own mount point on this host
  (the lab's mount definition plays the part of ``CG_MP.conf``);
- a mount by backup ID locks each copy group (``CopyGroupLocked(by="mount")``) unless it is
  already locked by ``drmcgctl`` (that lock is left alone); the matching unmount unlocks only
  the locks the mount took. A tape entry's S-VOLs are mounted writable (for the restore);
- ``drmumount -copy_group`` refuses a copy group mounted by backup ID (unmount it with that ID,
  as the manual requires: the lock goes with it);
- ``drmmediabackup``: a disk entry whose every copy group is mounted, none PAIR/COPY/RCPY and
  none in another media copy; it makes a tape entry with the next backup ID, the ORIGINAL-ID
  and origin host kept, SNAPSHOT TIME = the disk entry's START-TIME, EXPIRATION TIME = record
  time + retention days (retention 0: ``PERMANENT``); the disk entry's END-TIME is kept too;
- ``drmmediarestore``: a live tape entry (an expired or deleted one is refused) whose copy
  groups are mounted by its own backup ID (``drmmount <tape-ID>``); the disk entries on those
  copy groups are deleted (superseded) with the request, before any byte is written, so a
  killed restore leaves no entry lying about its S-VOL; the new disk entry gets the next ID
  and the original backup's START-TIME and END-TIME (as ``drmfscat`` shows them after it);
- expired tape entries are purged (``TapeEntryDeleted(reason="expired")``) by ``drmmount``, as
  the manual says; ``drmtapecat`` (a query) leaves them out of its answer.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path, PurePath
from typing import Mapping

from events import filesystem as fs, tape
from events.maps import CopyGroupMap
from projections.host_view import CatalogEntry, HostView
from projections.tape_view import TapeEntry, TapeSettingsView
from services import messages
from services.agent.errors import no_backup, reject
from services.agent.filesystem.decide import BAD_PAIR_STATUS, LOCKED, MOUNTED, UNKNOWN_OBJECT
from services.agent.plan import MountSvol, ReadTape, WriteTape
from services.agent.sqlserver.transfer import exported_details, imported_details

NOT_MOUNTED = messages.NOT_MOUNTED
TAPE_EXPIRED = messages.TAPE_EXPIRED
IN_MEDIA_COPY = messages.IN_MEDIA_COPY
NO_MOUNT_POINT = messages.NO_MOUNT_POINT
REFUSED_STATUSES = ("PAIR", "COPY", "RCPY")


# -- what this host sees ---------------------------------------------------------------------------
def svol_groups(view: HostView) -> dict[str, tuple[CopyGroupMap, str]]:
    """Copy group -> (its map, the S-VOL's own mount point on this host)."""
    found = {}
    for volume in view.volumes.values():
        for group in volume.copy_groups:
            if group.role == "S-VOL":
                found.setdefault(group.copy_group, (group, volume.mount_point))
    return found


def effective_settings(view: HostView, lab_retention_days: int = 0) -> TapeSettingsView:
    return view.backup_server.settings or TapeSettingsView("NBU", lab_retention_days, False)


def live_tape_entry(view: HostView, backup_id: str, now: datetime) -> TapeEntry | None:
    entry = view.tape.get(backup_id)
    if entry is not None and entry.expired(now):
        raise reject(TAPE_EXPIRED, f"the tape backup {backup_id} expired on "
                                   f"{entry.expires_at:%Y/%m/%d %H:%M:%S}")
    return entry


def entry_groups(view: HostView, backup_id: str, now: datetime) -> tuple[str, tuple[str, ...]]:
    """``("disk"|"tape", copy groups)`` of a backup ID of this host."""
    if backup_id in view.catalog:
        return "disk", view.catalog[backup_id].copy_groups
    entry = live_tape_entry(view, backup_id, now)
    if entry is None:
        raise no_backup(backup_id)
    return "tape", entry.copy_groups


def _check_status(names, statuses: Mapping[str, str], what: str) -> None:
    for name in names:
        if statuses.get(name) in REFUSED_STATUSES:
            raise reject(BAD_PAIR_STATUS, f"the copy group {name} is {statuses[name]}; {what} "
                                          "needs it split (PSUS/SSUS): run "
                                          f"{messages.pairsplit_remedy(name)} first")


def expired_entries(view: HostView, now: datetime) -> list[tape.TapeEntryDeleted]:
    return [tape.TapeEntryDeleted(backup_id=e.backup_id, reason="expired")
            for e in sorted(view.tape.values(), key=lambda e: e.backup_id) if e.expired(now)]


# -- mount -----------------------------------------------------------------------------------------
def plan_mount(view: HostView, workflow_id: str, backup_id: str | None, copy_group: str | None,
               mount_pt: str | None, statuses: Mapping[str, str], now: datetime,
               defined: Mapping[str, str] | None = None) -> list:
    """``[*expired purges, *locks, *SvolMountRequested]``; the steps mount in that order.
    ``defined``: copy group -> the mount point ``CG_MP.conf`` gives it (``mount_point_for``)."""
    if bool(backup_id) == bool(copy_group):
        raise reject(messages.BAD_COMMAND, "give exactly one of a backup ID and -copy_group")
    kind, names = entry_groups(view, backup_id, now) if backup_id else ("", (copy_group,))
    known = svol_groups(view)
    for name in names:
        if name not in known:
            raise reject(UNKNOWN_OBJECT, f"the copy group {name} has no S-VOL on this host")
        state = view.copy_groups.get(name)
        if state is not None and state.mounted_at:
            raise reject(MOUNTED, f"the copy group {name} is already mounted at "
                                  f"{state.mounted_at}")
    _check_status(names, statuses, "drmmount")
    events: list = expired_entries(view, now)
    requests = []
    for name in names:
        point = mount_point_for(known[name][1], mount_pt, len(names),
                                (defined or {}).get(name), by_copy_group=bool(copy_group))
        requests.append(tape.SvolMountRequested(workflow_id=workflow_id, copy_group=name,
                                                mount_point=point, backup_id=backup_id or "",
                                                writable=kind == "tape"))
        state = view.copy_groups.get(name)
        if backup_id and not (state is not None and state.locked):
            events.append(fs.CopyGroupLocked(copy_group=name, by="mount", backup_id=backup_id))
    points = [r.mount_point for r in requests]
    if len(set(points)) != len(points):
        raise reject(NO_MOUNT_POINT, "two S-VOLs would share the mount point "
                                     f"{next(p for p in points if points.count(p) > 1)}")
    return events + requests


def mount_steps(events) -> tuple[MountSvol, ...]:
    """The plan of a mount: one ``MountSvol`` per intent among ``plan_mount``'s events."""
    return tuple(MountSvol(e) for e in events if isinstance(e, tape.SvolMountRequested))


def mount_point_for(own: str, mount_pt: str | None, count: int, defined: str | None = None,
                    by_copy_group: bool = False) -> str:
    """Without ``CG_MP.conf`` (``defined`` None): the rule of the module docstring. With it
    (spec 03 Tables 3-41, 3-42): by backup ID, ``-mount_pt`` and the file's ``FS`` combine as
    ``<mount_pt>/<FS without its root>`` (the manual's ``W:\\mnt`` + ``D:\\mnt`` ->
    ``W:\\mnt\\D\\mnt``) and the file alone gives ``FS``; by ``-copy_group`` the file wins."""
    if defined and (by_copy_group or not mount_pt):
        return defined
    if defined:
        path = PurePath(defined)
        return str(PurePath(mount_pt) / path.relative_to(path.anchor))
    if not mount_pt:
        return own
    return mount_pt if count == 1 else str(PurePath(mount_pt) / PurePath(own).name)


# -- unmount ---------------------------------------------------------------------------------------
def plan_unmount(view: HostView, workflow_id: str, backup_id: str | None,
                 copy_group: str | None) -> tuple[list[tape.SvolUnmounted], list]:
    """The unmounts (one per mounted copy group) and the unlocks that follow them."""
    if bool(backup_id) == bool(copy_group):
        raise reject(messages.BAD_COMMAND, "give exactly one of a backup ID and -copy_group")
    if copy_group:
        state = view.copy_groups.get(copy_group)
        if state is None or not state.mounted_at:
            raise reject(NOT_MOUNTED, f"the copy group {copy_group} is not mounted")
        if state.locked_by == "mount":
            raise reject(LOCKED, f"the copy group {copy_group} was mounted by the backup ID "
                                 f"{state.lock_backup_id}: drmumount {state.lock_backup_id}")
        names = (copy_group,)
    else:
        entry = view.catalog.get(backup_id) or view.tape.get(backup_id)
        held = [n for n, s in sorted(view.copy_groups.items())
                if s.locked_by == "mount" and s.lock_backup_id == backup_id]
        names = tuple(dict.fromkeys([*held, *(entry.copy_groups if entry else ())]))
        if entry is None and not held:
            raise no_backup(backup_id)
    unmounts = [tape.SvolUnmounted(workflow_id=workflow_id, copy_group=n,
                                   mount_point=view.copy_groups[n].mounted_at)
                for n in names if n in view.copy_groups and view.copy_groups[n].mounted_at]
    unlocks = [fs.CopyGroupUnlocked(copy_group=n, by="mount") for n in names
               if backup_id and view.copy_groups.get(n) is not None
               and view.copy_groups[n].locked_by == "mount"
               and view.copy_groups[n].lock_backup_id == backup_id]
    if not unmounts and not unlocks:
        raise reject(NOT_MOUNTED, f"nothing of {backup_id or copy_group} is mounted")
    return unmounts, unlocks


# -- media copies ----------------------------------------------------------------------------------
def _check_media_copy(view: HostView, names, statuses: Mapping[str, str], what: str) -> None:
    for name in names:
        state = view.copy_groups.get(name)
        if state is None or not state.mounted_at:
            raise reject(NOT_MOUNTED, f"the copy group {name} is not mounted: drmmount first")
        busy = [c for c in view.backup_server.media_copies.values() if name in c.copy_groups]
        if busy:
            raise reject(IN_MEDIA_COPY, f"the copy group {name} is in the tape {busy[0].kind} "
                                        f"of {busy[0].backup_id}")
    _check_status(names, statuses, what)


def plan_media_backup(view: HostView, workflow_id: str, backup_id: str,
                      statuses: Mapping[str, str]) -> tuple[tape.MediaCopyRequested, CatalogEntry]:
    entry = view.catalog.get(backup_id)
    if entry is None:
        raise no_backup(backup_id)
    _check_media_copy(view, entry.copy_groups, statuses, "drmmediabackup")
    request = tape.MediaCopyRequested(workflow_id=workflow_id, kind="backup",
                                      source_backup_id=backup_id, backup_id=view.next_backup_id,
                                      copy_groups=entry.copy_groups)
    return request, entry


def archives_for(request: tape.MediaCopyRequested, media: tuple[str, ...]):
    """``(copy group, medium, label)`` per copy group: media in turn by backup ID."""
    medium = media[(int(request.backup_id) - 1) % len(media)]
    return [(name, medium, f"{request.backup_id}.{i}")
            for i, name in enumerate(request.copy_groups)]


def write_steps(view: HostView, request: tape.MediaCopyRequested,
                media: tuple[str, ...]) -> tuple[WriteTape, ...]:
    """The plan of a tape backup: one archive per copy group, from its S-VOL's mount point."""
    return tuple(WriteTape(name, medium, label, Path(view.copy_groups[name].mounted_at))
                 for name, medium, label in archives_for(request, media))


def read_steps(view: HostView, entry: TapeEntry) -> tuple[ReadTape, ...]:
    """The plan of a tape restore: each archive read back onto its copy group's S-VOL."""
    return tuple(ReadTape(a.copy_group, a.medium, a.label,
                          Path(view.copy_groups[a.copy_group].mounted_at), a.manifest_hash)
                 for a in entry.archives)


def tape_recorded(entry: CatalogEntry, request: tape.MediaCopyRequested, archives,
                  settings: TapeSettingsView, now: datetime) -> tape.TapeBackupRecorded:
    expires = now + timedelta(days=settings.retention_days) if settings.retention_days else None
    return tape.TapeBackupRecorded(
        backup_id=request.backup_id, original_id=entry.original_id,
        origin_host=entry.origin_host, source_backup_id=entry.backup_id,
        object_type=entry.object_type, mode=entry.mode, instances=entry.instances,
        rows=tuple(fs.ObjectRow(**r._asdict()) for r in entry.rows),
        generation=entry.generation, copy_groups=entry.copy_groups, comment=entry.comment,
        snapshot_at=entry.started_at, source_ended_at=entry.ended_at, recorded_at=now,
        expires_at=expires,
        archives=tuple(archives), workflow_id=request.workflow_id)


def plan_media_restore(view: HostView, workflow_id: str, backup_id: str,
                       statuses: Mapping[str, str], now: datetime):
    """``(request, superseded deletions, tape entry)``."""
    entry = live_tape_entry(view, backup_id, now)
    if entry is None:
        raise no_backup(backup_id)
    _check_media_copy(view, entry.copy_groups, statuses, "drmmediarestore")
    for name in entry.copy_groups:
        state = view.copy_groups[name]
        if state.lock_backup_id != backup_id or state.locked_by != "mount":
            raise reject(NOT_MOUNTED, f"the copy group {name} must be mounted with "
                                      f"drmmount {backup_id} (writable) before the restore")
    new_id = view.next_backup_id
    request = tape.MediaCopyRequested(workflow_id=workflow_id, kind="restore",
                                      source_backup_id=backup_id, backup_id=new_id,
                                      copy_groups=entry.copy_groups)
    superseded = [fs.BackupEntryDeleted(backup_id=e.backup_id, reason="superseded",
                                        by_backup_id=new_id, copy_groups=e.copy_groups)
                  for e in sorted(view.entries_on(entry.copy_groups), key=lambda e: e.backup_id)]
    return request, superseded, entry


def restored_entry(entry: TapeEntry, request: tape.MediaCopyRequested) -> fs.BackupRecorded:
    """The disk entry of a tape restore: a new backup ID, the ORIGINAL-ID, and the original
    backup's START-TIME and END-TIME (spec 05/06: ``drmsqlcat``/``drmexgcat`` after
    ``drmmediarestore`` show the date of the backup, not of the restore; the restore's own
    times are in its ``TapeArchiveRead`` events). A tape entry recorded before END-TIME was
    kept shows its START-TIME for both."""
    ended = entry.source_ended_at or entry.snapshot_at
    return fs.BackupRecorded(
        backup_id=request.backup_id, original_id=entry.original_id,
        origin_host=entry.origin_host, mode=entry.mode, object_type=entry.object_type,
        instances=entry.instances, rows=tuple(fs.ObjectRow(**r._asdict()) for r in entry.rows),
        generation=entry.generation, copy_groups=entry.copy_groups,
        started_at=entry.snapshot_at, ended_at=ended, comment=entry.comment, media="DISK",
        workflow_id=request.workflow_id)


def restored_sql_details(view: HostView, entry: TapeEntry, new_id: str) -> list:
    """The SQL details a tape-restored SQL Server entry carries (issue 13, spec 05 §5.2): those
    of the disk entry the tape was taken from (read before the restore supersedes it), else
    those this host keeps for the original ID; none for other kinds or when none are known.
    ``drmsqlcat``, ``EX_DRM_SQLFILE_PACK`` and ``drmdbexport`` then see the new entry as the
    SQL backup it is, as after an import."""
    if entry.object_type != "MSSQL":
        return []
    known = view.sql.backup(entry.source_backup_id) or view.sql.originals.get(entry.original_id)
    return imported_details(exported_details(known, entry.original_id), new_id,
                            entry.original_id)


# -- tape catalog ----------------------------------------------------------------------------------
def select_tape(view: HostView, now: datetime, hostname=None, backup_id=None, object_type=None,
                instance=None) -> list[TapeEntry]:
    """Live (unexpired) tape entries matching every filter given, by backup ID."""
    return [e for e in sorted(view.tape.values(), key=lambda e: e.backup_id)
            if not e.expired(now)
            and (hostname is None or e.origin_host.lower() == hostname.lower())
            and (backup_id is None or e.backup_id == backup_id)
            and (object_type is None or e.object_type == object_type)
            and (instance is None or instance in e.instances)]


def plan_tape_delete(view: HostView, now: datetime, **selection) -> list[tape.TapeEntryDeleted]:
    chosen = select_tape(view, now, **selection)
    if not chosen:
        raise no_backup(selection.get("backup_id") or "-")
    return [tape.TapeEntryDeleted(backup_id=e.backup_id, reason="deleted") for e in chosen]

