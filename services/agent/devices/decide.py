"""Pure decisions about the backup server's devices: concealment (``drmdevctl``), what a mount
must do first (reveal, check the volumes recorded at backup) and where ``CG_MP.conf`` puts it.

Rules (spec 03 §3.2–§3.6, spec 08 §1.7, §2.9, §3.9, §3.13; user guide "Settings for using
secondary volume dynamic recognition"):
- ``drmdevctl -detach`` conceals every S-VOL this host sees (its dictionary map's S-VOL copy
  groups) that is not concealed yet; one that is mounted refuses the whole command
  (``DRM-10031``: unmount it first). Nothing to conceal: the command succeeds and records
  nothing. ``-attach`` reveals every concealed one.
- A mount of a concealed S-VOL: with ``DEVICE_DETACH=ENABLE`` (dynamic recognition) the mount
  reveals it first (``SvolsRevealed(by="mount")``, recorded with the mount's intents) and the
  unmount conceals it again (``SvolsConcealed(by="unmount")``); with ``DISABLE`` (the default)
  the OS cannot see the device, so the mount is refused (``KAVX0006-E``, ``DRM-10090``) and
  nothing changes.
- ``-force``: a mount checks, per copy group, the P-VOL the entry recorded at backup (its
  rows' DEVICE; mounts by backup ID) against the copy group's P-VOL now (the dictionary map),
  and the map's S-VOL against the volume the array pairs with that P-VOL on its MU# now. A
  difference (a replaced volume, a changed LDEV or serial number) refuses the mount
  (``DRM-10091``) unless ``-force`` is given, which mounts by copy group name alone (the S-VOL
  the array pairs now) and records ``SvolIdentityOverridden``.
- Mount points with ``CG_MP.conf`` (Tables 3-41, 3-42): by backup ID, ``-mount_pt`` and the
  file's ``FS`` combine as ``<mount_pt>/<FS without its root>``, the file alone gives ``FS``;
  by ``-copy_group`` the file wins over ``-mount_pt``. A copy group the file does not define
  is mounted as without the file.
"""
from __future__ import annotations

from typing import Mapping

from events import devices, tape
from projections.host_view import HostView
from services import messages
from services.agent.backup_server.decide import svol_groups
from services.agent.errors import reject

CONCEALED = messages.CONCEALED
IDENTITY_CHANGED = messages.IDENTITY_CHANGED
MOUNTED = messages.MOUNTED
ENABLE = "ENABLE"


# -- drmdevctl -------------------------------------------------------------------------------------
def plan_conceal(view: HostView) -> list[devices.SvolsConcealed]:
    known = svol_groups(view)
    for name in sorted(known):
        state = view.copy_groups.get(name)
        if state is not None and state.mounted_at:
            raise reject(MOUNTED, f"the S-VOL {known[name][0].svol} of {name} is mounted at "
                                  f"{state.mounted_at}: drmumount it first; nothing was "
                                  "concealed")
    names = [n for n in sorted(known) if n not in view.devices.concealed]
    if not names:
        return []
    return [devices.SvolsConcealed(copy_groups=tuple(names),
                                   devices=tuple(known[n][0].svol for n in names),
                                   by="drmdevctl")]


def plan_reveal(view: HostView) -> list[devices.SvolsRevealed]:
    hidden = sorted(view.devices.concealed.items())
    if not hidden:
        return []
    return [devices.SvolsRevealed(copy_groups=tuple(n for n, _ in hidden),
                                  devices=tuple(d for _, d in hidden), by="drmdevctl")]


# -- before a mount --------------------------------------------------------------------------------
def before_mount(view: HostView, events: list, device_detach: str, force: bool,
                 partners: Mapping[str, str] | None = None) -> tuple[list, list]:
    """``(first, events)``: what a mount planned as ``events`` (``plan_mount``'s) must record
    first (the reveals of its concealed S-VOLs, the identity overrides of ``-force``), and the
    events with each overridden S-VOL's intent naming the device the array pairs now.
    ``partners``: copy group -> the volume the array pairs with its P-VOL on its MU# now.
    Raises ``CommandRejection`` when a concealed S-VOL cannot be revealed or a volume differs
    without ``-force``."""
    requests = [e for e in events if isinstance(e, tape.SvolMountRequested)]
    names = [r.copy_group for r in requests]
    backup_id = requests[0].backup_id if requests else ""
    first: list = identity_overrides(view, backup_id, names, force, partners or {})
    hidden = [n for n in names if n in view.devices.concealed]
    if hidden and device_detach != ENABLE:
        raise reject(CONCEALED, f"the S-VOL {view.devices.concealed[hidden[0]]} of {hidden[0]} "
                                "is concealed from this host (drmdevctl -detach): reveal it "
                                "with drmdevctl -attach, or set DEVICE_DETACH=ENABLE for "
                                "dynamic recognition; nothing was mounted")
    if hidden:
        first.append(devices.SvolsRevealed(
            copy_groups=tuple(hidden), devices=tuple(view.devices.concealed[n] for n in hidden),
            by="mount", backup_id=backup_id))
    moved = {e.copy_group: e.current for e in first
             if isinstance(e, devices.SvolIdentityOverridden) and e.side == "S-VOL"}
    events = [e.model_copy(update={"device": moved[e.copy_group]})
              if isinstance(e, tape.SvolMountRequested) and e.copy_group in moved else e
              for e in events]
    return first, events


def identity_overrides(view: HostView, backup_id: str, names, force: bool,
                       partners: Mapping[str, str]) -> list:
    """The P-VOL the entry recorded at backup against the map's now, and the map's S-VOL
    against the one the array pairs now: each difference refuses, or with ``-force`` is
    recorded."""
    entry = view.catalog.get(backup_id) or view.tape.get(backup_id) if backup_id else None
    known = svol_groups(view)
    found = []
    for name in names:
        group = known[name][0]
        recorded = sorted({row.device for row in entry.rows if row.copy_group == name}) \
            if entry is not None else []
        if recorded and group.pvol not in recorded:
            found.append(("P-VOL", name, recorded[0], group.pvol))
        live = partners.get(name)
        if live and live != group.svol:
            found.append(("S-VOL", name, group.svol, live))
    if found and not force:
        side, name, was, now = found[0]
        raise reject(IDENTITY_CHANGED, f"the {side} of the copy group {name} was {was} and is "
                                       f"now {now} (a volume was replaced or renumbered): "
                                       "drmmount -force mounts it by copy group name; nothing "
                                       "was mounted")
    return [devices.SvolIdentityOverridden(copy_group=name, backup_id=backup_id, side=side,
                                           recorded=was, current=now)
            for side, name, was, now in found]


def conceal_again(first: list) -> list[devices.SvolsConcealed]:
    """A mount that failed hides again the S-VOLs it revealed (``before_mount``'s events)."""
    return [devices.SvolsConcealed(copy_groups=e.copy_groups, devices=e.devices, by="unmount",
                                   backup_id=e.backup_id)
            for e in first if isinstance(e, devices.SvolsRevealed)]


def after_unmount(view: HostView, unmounted: list[tape.SvolUnmounted], device_detach: str,
                  backup_id: str = "") -> list[devices.SvolsConcealed]:
    """Under dynamic recognition, the S-VOLs an unmount took down are concealed again."""
    if device_detach != ENABLE:
        return []
    known = svol_groups(view)
    names = [u.copy_group for u in unmounted
             if u.copy_group in known and u.copy_group not in view.devices.concealed]
    if not names:
        return []
    return [devices.SvolsConcealed(copy_groups=tuple(names),
                                   devices=tuple(known[n][0].svol for n in names),
                                   by="unmount", backup_id=backup_id)]


# -- CG_MP.conf ------------------------------------------------------------------------------------
def defined_points(view: HostView, definition) -> Mapping[str, str]:
    """Copy group -> the ``FS`` that ``CG_MP.conf`` (``definition``, or None) gives its S-VOL."""
    if definition is None:
        return {}
    found = {}
    for name, (group, _) in svol_groups(view).items():
        point = definition.mount_point(name, group.svol)
        if point:
            found[name] = point
    return found
