"""Handlers of ``drmdevctl`` (``events.devices``), and the device work around ``drmmount`` and
``drmumount``: reading and writing ``CG_MP.conf``, recording how a read-only mount refuses
writes and what its unmount found changed.

``CG_MP.conf`` lives in ``<data dir>/hosts/<host>/conf/vm/`` (the manual's
``<install>\\DRM\\conf\\vm\\``). It is read before anything is decided; a file that cannot be
used refuses the command (``DRM-10092``) before any change. ``-conf`` rewrites it atomically
after the mounts succeeded, then records ``MountDefinitionUpdated``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from adapters.files import read_text_limited
from adapters.paths import host_dir
from events import devices, tape
from events.devices import ConcealSvols, RevealSvols, ShowDevices
from events.base import Payload
from services import messages
from services.agent.backup_server.decide import svol_groups
from services.agent.devices import decide
from services.agent.devices.mount_definition import (FILE_NAME, MAX_BYTES, FileSystemDef,
                                                     MountDefinition, MountDefinitionError,
                                                     datetime_text, format_definition,
                                                     parse_definition)
from services.agent.errors import CommandRejection, no_backup, reject
from services.agent.filesystem.handlers import (completed, confined_mount_point, ensure_maps,
                                                require_storage)
from services.agent.runner import ref
from services.agent.service import AgentContext

MOUNT_DEFINITION_BAD = messages.MOUNT_DEFINITION_BAD


def device_detach(context: AgentContext) -> str:
    """``DEVICE_DETACH`` of this host (the lab host's ``device_detach``), ``DISABLE`` by default."""
    lab = context.ports.lab
    host = next((h for h in (lab.hosts if lab else ()) if h.name.lower() == context.host.lower()),
                None)
    return getattr(host, "device_detach", "DISABLE")


# -- drmdevctl -------------------------------------------------------------------------------------
def conceal_svols(command: ConcealSvols, context: AgentContext) -> list[Payload]:
    require_storage(context)
    ensure_maps(context)
    events = decide.plan_conceal(context.view)
    context.record(events)
    return completed(command, concealed=[n for e in events for n in e.copy_groups])


def reveal_svols(command: RevealSvols, context: AgentContext) -> list[Payload]:
    require_storage(context)
    events = decide.plan_reveal(context.view)
    context.record(events)
    return completed(command, revealed=[n for e in events for n in e.copy_groups])


def show_devices(command: ShowDevices, context: AgentContext) -> dict:
    view = context.view
    known = svol_groups(view)
    names = sorted(known)
    if command.backup_id:
        entry = view.catalog.get(command.backup_id) or view.tape.get(command.backup_id)
        if entry is None:
            raise no_backup(command.backup_id)
        names = [n for n in names if n in entry.copy_groups]
    rows = []
    for name in names:
        state = view.copy_groups.get(name)
        mounted_at = state.mounted_at if state is not None else ""
        guard = view.devices.guards.get(name) if mounted_at else None
        rows.append({"copy_group": name, "device": known[name][0].svol,
                     "concealed": name in view.devices.concealed, "mounted_at": mounted_at,
                     "guard": guard.guard if guard else "",
                     "enforced": guard.enforced if guard else None})
    return {"devices": rows, "device_detach": device_detach(context)}


def live_partners(context: AgentContext) -> dict[str, str]:
    """Copy group -> the volume the array pairs with its P-VOL on its MU# now (where a pair
    exists), to tell a replaced S-VOL (``drmmount -force``)."""
    storage, found = context.ports.storage, {}
    for name, (group, _) in svol_groups(context.view).items():
        pvol = ref(group.pvol)
        record = storage.pairdisplay(pvol, group.mu)
        if record is not None:
            found[name] = str(record.svol if record.pvol == pvol else record.pvol)
    return found


# -- CG_MP.conf ------------------------------------------------------------------------------------
def definition_file(context: AgentContext) -> Path | None:
    data_dir = context.ports.data_dir
    return None if data_dir is None else \
        host_dir(data_dir, context.host) / "conf" / "vm" / FILE_NAME


def read_definition(context: AgentContext) -> MountDefinition | None:
    """The host's ``CG_MP.conf``, None when it has none; a bad one refuses the command."""
    path = definition_file(context)
    if path is None or not path.exists():
        return None
    try:
        return parse_definition(read_text_limited(path, MAX_BYTES, FILE_NAME))
    except (MountDefinitionError, ValueError, OSError) as error:
        raise reject(MOUNT_DEFINITION_BAD, f"{path}: {error}; correct or delete it (nothing "
                                           "was mounted)") from None


def defined_mount_points(context: AgentContext, definition: MountDefinition | None) -> dict:
    """Copy group -> its ``FS`` from the file, confined like ``-mount_pt`` (one outside the
    host's roots refuses the command)."""
    found = {}
    for name, point in decide.defined_points(context.view, definition).items():
        try:
            found[name] = confined_mount_point(context, point)
        except CommandRejection as error:
            raise reject(MOUNT_DEFINITION_BAD, f"{definition_file(context)}: FS={point} of "
                                               f"{name}: {error.text}") from None
    return found


def update_definition(context: AgentContext, definition: MountDefinition | None,
                      backup_id: str, mounted: list[tape.SvolMounted]) -> str:
    """``-conf``: bind the mounted copy groups to ``backup_id`` in the file, write it, record
    ``MountDefinitionUpdated``; the file's path."""
    view = context.view
    entry = view.catalog.get(backup_id)
    when = entry.started_at if entry is not None else view.tape[backup_id].snapshot_at
    known, storage = svol_groups(view), context.ports.storage
    mounts = [(m.copy_group, FileSystemDef(
        str(storage.mounted_volume(Path(m.mount_point)) or known[m.copy_group][0].svol),
        Path(known[m.copy_group][1]).name or "-", m.mount_point)) for m in mounted]
    updated = (definition or MountDefinition()).with_mounts(backup_id, datetime_text(when),
                                                            mounts)
    path = definition_file(context)
    _write_atomic(path, format_definition(updated))
    context.record([devices.MountDefinitionUpdated(
        file=str(path), backup_id=backup_id, copy_groups=tuple(m.copy_group for m in mounted),
        mount_points=tuple(m.mount_point for m in mounted))])
    return str(path)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- read-only mounts ------------------------------------------------------------------------------
def record_guards(context: AgentContext, mounted: list[tape.SvolMounted]) -> list[dict]:
    """``ReadOnlyMountGuarded`` for each read-only mount; the guards as the result shows them."""
    known, storage = svol_groups(context.view), context.ports.storage
    events = []
    for m in mounted:
        volume = storage.mounted_volume(Path(m.mount_point)) if m.read_only else None
        device = str(volume) if volume is not None else known[m.copy_group][0].svol
        info = storage.read_only_guard(volume) if volume is not None else None
        if info is not None:
            events.append(devices.ReadOnlyMountGuarded(
                copy_group=m.copy_group, mount_point=m.mount_point, device=device,
                guard=info.guard, enforced=info.enforced, entries=info.entries,
                partial=info.partial))
    context.record(events)
    return [{"copy_group": e.copy_group, "mount_point": e.mount_point, "guard": e.guard,
             "enforced": e.enforced} for e in events]


def record_changes(context: AgentContext, found: list) -> list[dict]:
    """``ReadOnlyMountChanged`` for each unmount whose read-only S-VOL changed (``found``:
    ``(SvolUnmounted, what unmount returned)`` pairs); the changes as the result shows them."""
    known = svol_groups(context.view)
    events = [devices.ReadOnlyMountChanged(
        copy_group=u.copy_group, mount_point=u.mount_point,
        device=known[u.copy_group][0].svol if u.copy_group in known else "",
        total=changes.total, paths=changes.paths[:devices.MAX_REPORTED_CHANGES],
        partial=changes.partial)
        for u, changes in found if changes]
    context.record(events)
    return [{"copy_group": e.copy_group, "mount_point": e.mount_point, "total": e.total,
             "paths": list(e.paths)} for e in events]


DEVICE_COMMAND_HANDLERS = (
    (ConcealSvols, conceal_svols),
    (RevealSvols, reveal_svols),
)

DEVICE_QUERY_HANDLERS = (
    (ShowDevices, show_devices),
)
