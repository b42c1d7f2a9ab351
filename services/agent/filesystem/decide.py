"""Pure decisions of the file-system commands: the view (and facts read beforehand) in, a plan
or a ``CommandRejection`` out. Nothing here touches storage, the store or the clock.

Rules (spec 04 §3, §5, §8, §19; DESIGN §10):
- targets are mount points known to the dictionary maps; a volume with two mount points fails
  with ``DRM-10064``; a mount point with a lower-level mount point of another volume under it
  fails with ``DRM-10062`` (both ``KAVX0006-E``);
- the generation is the unlocked one least recently backed up (never-used first, then by name);
  without ``-rc`` only local generations (``local_N``) rotate; ``-rc <gen>`` names one exactly
  (``-rc local``/``-rc remote`` rotate within that class); a locked generation is never used;
- the backup ID is ``view.next_backup_id``; every live entry that uses a chosen copy group is
  deleted (``superseded``) in the same append as the request, before any pair operation;
- restore: the target copy groups are PSUS, the other copy groups of the same P-VOLs are PSUS
  or SMPL, and no copy group of the entry is mounted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from events import filesystem as fs
from events.maps import CopyGroupMap, VolumeMap
from projections.host_view import CatalogEntry, HostView
from services import messages
from services.agent.errors import no_backup, reject
from services.agent.plan import MakePair, Mount, PlanStep, RestorePair, Split, Unmount

NO_BACKUP_DATA = messages.NO_BACKUP_DATA
SHARED_VOLUME = messages.SHARED_VOLUME
NESTED_MOUNT = messages.NESTED_MOUNT
UNKNOWN_OBJECT = messages.UNKNOWN_OBJECT
GENERATION_LOCKED = messages.GENERATION_LOCKED
NO_GENERATION = messages.NO_GENERATION
BAD_PAIR_STATUS = messages.BAD_PAIR_STATUS
MOUNTED = messages.MOUNTED
LOCKED = messages.COPY_GROUP_LOCKED


# -- targets -------------------------------------------------------------------------------------
def missing_targets(view: HostView, targets) -> list[str]:
    return [t for t in targets if t not in view.volumes]


def resolve_targets(view: HostView, targets) -> list[VolumeMap]:
    """The maps of ``targets``, checked against DRM-10064 and DRM-10062."""
    missing = missing_targets(view, targets)
    if missing:
        raise reject(UNKNOWN_OBJECT, f"the mount point {missing[0]} is not in the dictionary map")
    chosen = [view.volumes[t] for t in dict.fromkeys(targets)]
    for volume in chosen:
        others = [v.mount_point for v in view.volumes.values()
                  if v.device == volume.device and v.mount_point != volume.mount_point]
        if others:
            raise reject(SHARED_VOLUME, f"the volume {volume.device} of {volume.mount_point} also "
                                        f"has the mount point {others[0]}")
        nested = [v.mount_point for v in view.volumes.values()
                  if v.device != volume.device and _under(v.mount_point, volume.mount_point)]
        if nested:
            raise reject(NESTED_MOUNT, f"{volume.mount_point} has the lower-level mount point "
                                       f"{nested[0]} of another volume; back up that one only")
    return chosen


def _under(path: str, parent: str) -> bool:
    return path.startswith(parent.rstrip("/") + "/")


def pvol_groups(volume: VolumeMap) -> list[CopyGroupMap]:
    return [g for g in volume.copy_groups if g.role == "P-VOL"]


# -- generation ----------------------------------------------------------------------------------
def choose_generation(view: HostView, volumes: list[VolumeMap], wanted: str | None) -> str:
    """The generation to back up to (see the module docstring)."""
    per_volume = [{g.generation: g.copy_group for g in pvol_groups(v)} for v in volumes]
    common = sorted(set.intersection(*(set(p) for p in per_volume))) if per_volume else []
    if wanted and wanted not in ("local", "remote"):
        if wanted not in common:
            raise reject(NO_GENERATION, f"the generation {wanted} does not exist for the targets")
        if _locked(view, per_volume, wanted):
            raise reject(GENERATION_LOCKED, f"the generation {wanted} is locked")
        return wanted
    kind = wanted or "local"
    candidates = [g for g in common if g.startswith(kind + "_")] or (common if not wanted else [])
    if not candidates:
        raise reject(NO_GENERATION, f"the targets have no {kind} generation")
    free = [g for g in candidates if not _locked(view, per_volume, g)]
    if not free:
        raise reject(GENERATION_LOCKED, "every generation of the targets is locked; "
                                        "nothing was backed up")
    return min(free, key=lambda g: (_last_use(view, per_volume, g), _gen_order(g)))


def _gen_order(generation: str) -> tuple[str, int]:
    kind, _, number = generation.partition("_")
    return kind, int(number) if number.isdigit() else 0


def _locked(view: HostView, per_volume, generation: str) -> bool:
    return any(view.copy_groups.get(p[generation]) is not None
               and view.copy_groups[p[generation]].locked for p in per_volume)


def _last_use(view: HostView, per_volume, generation: str) -> int:
    return max((view.copy_groups[p[generation]].last_backup_seq for p in per_volume
                if p[generation] in view.copy_groups), default=0)


# -- backup --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupPlan:
    request: fs.BackupRequested
    superseded: tuple[fs.BackupEntryDeleted, ...]
    volumes: tuple[VolumeMap, ...]
    groups: tuple[CopyGroupMap, ...]

    @property
    def first_events(self) -> list:
        return [self.request, *self.superseded]

    @property
    def steps(self) -> tuple[PlanStep, ...]:
        """Pairs to PAIR, (cold: unmount), split, (cold: mount again)."""
        down = self.volumes if self.request.mode == "COLD" else ()
        return (*(MakePair(g) for g in self.groups),
                *(Unmount(v.mount_point, v.device) for v in down),
                *(Split(g) for g in self.groups),
                *(Mount(v.mount_point, v.device) for v in down))


def plan_backup(view: HostView, workflow_id: str, targets, mode: str, generation: str | None,
                comment: str = "") -> BackupPlan:
    volumes = resolve_targets(view, targets)
    chosen = choose_generation(view, volumes, generation)
    groups = tuple(next(g for g in pvol_groups(v) if g.generation == chosen) for v in volumes)
    names = tuple(dict.fromkeys(g.copy_group for g in groups))
    backup_id = view.next_backup_id
    request = fs.BackupRequested(
        workflow_id=workflow_id, backup_id=backup_id, mode=mode.upper(),
        instances=tuple(v.mount_point for v in volumes), generation=chosen, copy_groups=names,
        comment=comment)
    superseded = tuple(
        fs.BackupEntryDeleted(backup_id=e.backup_id, reason="superseded", by_backup_id=backup_id,
                              copy_groups=e.copy_groups)
        for e in sorted(view.entries_on(names), key=lambda e: e.backup_id))
    return BackupPlan(request, superseded, tuple(volumes), groups)


def object_rows(volumes, groups) -> tuple[fs.ObjectRow, ...]:
    return tuple(fs.ObjectRow(file=v.mount_point, file_system=v.mount_point, device=v.device,
                              copy_group=g.copy_group) for v, g in zip(volumes, groups))


# -- restore -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RestorePlan:
    request: fs.RestoreRequested
    volumes: tuple[VolumeMap, ...]
    groups: tuple[CopyGroupMap, ...]

    @property
    def steps(self) -> tuple[PlanStep, ...]:
        """Unmount the P-VOLs, reverse resync (RCPY -> PAIR) and split each copy group again,
        mount the P-VOLs again."""
        down = list({v.mount_point: v for v in self.volumes}.values())
        groups = list({g.copy_group: g for g in self.groups}.values())
        return (*(Unmount(v.mount_point, v.device) for v in down),
                *(step for g in groups for step in (RestorePair(g), Split(g))),
                *(Mount(v.mount_point, v.device) for v in down))


def entry_of(view: HostView, backup_id: str) -> CatalogEntry:
    entry = view.catalog.get(backup_id)
    if entry is None:
        raise no_backup(backup_id)
    return entry


def plan_restore(view: HostView, workflow_id: str, backup_id: str, targets,
                 statuses: Mapping[str, str], force: bool = False) -> RestorePlan:
    """``statuses``: the live P-VOL-side pair status of every copy group of the host."""
    entry = entry_of(view, backup_id)
    instances = tuple(targets) or entry.instances
    unknown = [t for t in instances if t not in entry.instances]
    if unknown:
        raise reject(UNKNOWN_OBJECT, f"the backup {backup_id} does not contain {unknown[0]}")
    rows = [r for r in entry.rows if r.file in instances]
    volumes, groups = [], []
    for row in rows:
        volume = view.volumes.get(row.file)
        group = volume and next((g for g in volume.copy_groups
                                 if g.copy_group == row.copy_group), None)
        if group is None:
            raise reject(UNKNOWN_OBJECT, f"{row.file} / {row.copy_group} is not in the dictionary "
                                         "map; refresh it with drmfsdisplay -refresh")
        volumes.append(volume)
        groups.append(group)
    _check_restore(view, volumes, groups, statuses)
    request = fs.RestoreRequested(workflow_id=workflow_id, backup_id=backup_id,
                                  instances=instances,
                                  copy_groups=tuple(dict.fromkeys(g.copy_group for g in groups)),
                                  forced=force)
    return RestorePlan(request, tuple(volumes), tuple(groups))


def _check_restore(view: HostView, volumes, groups, statuses: Mapping[str, str]) -> None:
    names = {g.copy_group for g in groups}
    for name in sorted(names):
        state = view.copy_groups.get(name)
        if state is not None and (state.mounted_at or state.locked_by == "mount"):
            raise reject(MOUNTED, f"the copy group {name} is mounted")
        if statuses.get(name) != "PSUS":
            raise reject(BAD_PAIR_STATUS, f"the copy group {name} is {statuses.get(name)}; "
                                          "a restore needs PSUS/SSUS")
    related = [g.copy_group for v in volumes for g in pvol_groups(v)
               if g.copy_group not in names and statuses.get(g.copy_group) not in ("PSUS", "SMPL")]
    if related:
        related = list(dict.fromkeys(related))
        shown = ", ".join(f"{n} is {statuses.get(n)}" for n in related)
        remedy = " and ".join(messages.pairsplit_remedy(n) for n in related)
        raise reject(BAD_PAIR_STATUS, f"the related copy groups must be PSUS or SMPL ({shown}): "
                                      f"run {remedy} first")


# -- resync, locks, delete -----------------------------------------------------------------------
def copy_groups_of(view: HostView, backup_id: str | None, copy_group: str | None) -> tuple:
    """The copy groups a ``-backup_id``/``-copy_group`` option names (exactly one of them)."""
    if bool(backup_id) == bool(copy_group):
        raise reject(messages.BAD_COMMAND, "give exactly one of -backup_id and -copy_group")
    if backup_id:
        return entry_of(view, backup_id).copy_groups
    known = {g.copy_group for v in view.volumes.values() for g in v.copy_groups}
    if copy_group not in known and copy_group not in view.copy_groups:
        raise reject(UNKNOWN_OBJECT, f"the copy group {copy_group} does not exist")
    return (copy_group,)


def plan_resync(view: HostView, backup_id: str | None, copy_group: str | None):
    """The copy groups to resync and the entries that die with their S-VOL data."""
    names = copy_groups_of(view, backup_id, copy_group)
    for name in names:
        state = view.copy_groups.get(name)
        if state is not None and state.locked:
            raise reject(LOCKED, f"the copy group {name} is locked ({state.locked_by}); "
                                 "unlock it with drmcgctl first")
        if state is not None and state.mounted_at:  # spec 04 §19 rule 8: no resync while
            raise reject(MOUNTED, f"the copy group {name} is mounted at {state.mounted_at}; "
                                  "drmumount it first")  # mounted or in a media copy
        if any(name in c.copy_groups for c in view.backup_server.media_copies.values()):
            raise reject(messages.IN_MEDIA_COPY,
                         f"the copy group {name} is in a tape backup or restore")
    deleted = [fs.BackupEntryDeleted(backup_id=e.backup_id, reason="resync",
                                     copy_groups=e.copy_groups)
               for e in sorted(view.entries_on(names), key=lambda e: e.backup_id)]
    return names, deleted


def plan_lock(view: HostView, backup_id: str | None, copy_group: str | None, mode: str):
    names = copy_groups_of(view, backup_id, copy_group)
    events = []
    for name in names:
        state = view.copy_groups.get(name)
        locked = state is not None and state.locked
        if mode == "lock" and not locked:
            events.append(fs.CopyGroupLocked(copy_group=name, by="drmcgctl",
                                             backup_id=backup_id or ""))
        elif mode == "unlock" and locked:
            events.append(fs.CopyGroupUnlocked(copy_group=name, by="drmcgctl"))
    return names, events


def plan_delete(view: HostView, backup_id: str) -> fs.BackupEntryDeleted:
    """``drmappcat <ID> -delete``: a live entry, or (issue 13) an SQL Server template entry."""
    template = view.sql.backup(backup_id)
    if backup_id not in view.catalog and template is not None and template.template:
        return fs.BackupEntryDeleted(backup_id=backup_id, reason="deleted")
    entry = entry_of(view, backup_id)
    return fs.BackupEntryDeleted(backup_id=backup_id, reason="deleted",
                                 copy_groups=entry.copy_groups)
