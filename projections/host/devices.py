"""Devices area (``events.devices``): concealed S-VOLs and read-only mount guards.

A guard stays in the view after its unmount (``SvolUnmounted`` belongs to the backup-server
area); readers show it only while the copy group is mounted."""
from __future__ import annotations

from events import devices
from projections.device_view import GuardView
from projections.host.area import AreaFold
from projections.host_view import HostView

fold = AreaFold("devices")


@fold.on(devices.SvolsConcealed)
def concealed(view: HostView, event: devices.SvolsConcealed, seq: int) -> None:
    view.devices.concealed.update(zip(event.copy_groups, event.devices))


@fold.on(devices.SvolsRevealed)
def revealed(view: HostView, event: devices.SvolsRevealed, seq: int) -> None:
    for name in event.copy_groups:
        view.devices.concealed.pop(name, None)


@fold.on(devices.ReadOnlyMountGuarded)
def guarded(view: HostView, event: devices.ReadOnlyMountGuarded, seq: int) -> None:
    view.devices.guards[event.copy_group] = GuardView(event.guard, event.enforced, event.entries)


@fold.on(devices.ReadOnlyMountChanged)
def changed(view: HostView, event: devices.ReadOnlyMountChanged, seq: int) -> None:
    view.devices.changes[event.copy_group] = event.total


POSITION_ONLY = (devices.MountDefinitionUpdated, devices.SvolIdentityOverridden)
"""Device events that change no view: they are the record (what was written, what was
overridden)."""
