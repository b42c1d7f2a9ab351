"""Which pairs a CCI command names, seen from the host that issues it. Pure: a lab in, targets
or a ``CciError`` out.

A copy group's two volumes are fixed by the lab; which one is *this host's* (CCI's local
volume, the one its instance's ``horcm.conf`` names) is the one the host mounts, else the
P-VOL for a file/DB server and the S-VOL for a backup server (DEFAULT.dat: ``HORCMINST`` is the
P-VOL's instance on a file/DB server and the S-VOL's on a backup server). Whether that volume
is the P-VOL *now* is the array's to say: a swap (``pairresync -swaps``, ``horctakeover``)
exchanges the roles without changing the lab.

``mode`` selects the groups' kind as CCI's instance selection does: ``TC`` (HORC) for
TrueCopy/UR pairs, ``SI`` (MRCF) for ShadowImage/Thin Image/CoW; a group of the other kind is
``EX_INVMOD``. An unknown group is ``EX_ENOGRP``, an unknown device of a known group
``EX_ENODEV``.
"""
from __future__ import annotations

from dataclasses import dataclass

from adapters.storage.errors import EX_ENODEV, EX_ENOGRP, EX_INVMOD, CciError
from adapters.storage.pairs import LOCAL_TYPES, CopyType

FAMILY = {"TC": "TC", "UR": "TC", "SI": "SI", "TI": "SI", "COW": "SI"}
MODE_NAMES = {"TC": "HORC (TrueCopy/UR, -IH)", "SI": "MRCF (ShadowImage, -IM)"}


@dataclass(frozen=True)
class PairTarget:
    """One copy group as this host addresses it; volumes as ``"<serial>:<ldev>"``."""

    copy_group: str
    copy_type: str
    mu: str
    local: str  # this host's volume
    remote: str  # the other volume of the pair
    generation: str = ""

    @property
    def family(self) -> str:
        return FAMILY[self.copy_type]


def volume_text(volume) -> str:
    return f"{volume.array}:{volume.ldev}"


def lab_host(lab, host: str):
    return next((h for h in lab.hosts if h.name.lower() == host.lower()), None)


def local_is_lab_pvol(host, group) -> bool:
    """True when ``host``'s volume of ``group`` is the lab's P-VOL (see the module docstring)."""
    mounted = {(str(m.array), m.ldev) for m in (host.mounts if host else ())}
    pvol = (str(group.pvol.array), group.pvol.ldev) in mounted
    svol = (str(group.svol.array), group.svol.ldev) in mounted
    if pvol != svol:
        return pvol
    return host is None or host.role != "BK"


def target_of(host, group) -> PairTarget:
    pvol, svol = volume_text(group.pvol), volume_text(group.svol)
    mine = local_is_lab_pvol(host, group)
    return PairTarget(copy_group=group.name, copy_type=CopyType(group.copy_type).value,
                      mu=group.mu, local=pvol if mine else svol, remote=svol if mine else pvol,
                      generation=group.generation_name)


def select(lab, host_name: str, group: str, device: str | None,
           mode: str | None = None) -> list[PairTarget]:
    """The targets of ``-g group [-d device]`` for ``host_name``, in the lab's order."""
    in_group = lab.copy_group(group)
    if not in_group:
        raise CciError(EX_ENOGRP, f"{group} is not a group of the configuration")
    chosen = [g for g in in_group if device is None or g.device == device]
    if not chosen:
        raise CciError(EX_ENODEV, f"{device} is not a device of the group {group}")
    host = lab_host(lab, host_name)
    targets = [target_of(host, g) for g in chosen]
    if mode is not None:
        wrong = [t for t in targets if t.family != mode]
        if wrong:
            raise CciError(EX_INVMOD, f"{wrong[0].copy_group} is a {wrong[0].copy_type} pair; "
                                      f"the instance is in {MODE_NAMES[mode]} mode")
    return targets


def cascaded(lab, targets: list[PairTarget], mu: str, near: bool) -> list[PairTarget]:
    """``-FBC <MU#>``: for each TrueCopy target, the ShadowImage pair with MU# ``mu`` on its
    far volume (``near``: on this host's volume, CCI's ``-l``). A volume without such a pair in
    the lab gives a target that the array shows SMPL (named ``<volume>/MU#<mu>``)."""
    found = []
    for target in targets:
        if target.family != "TC":
            raise CciError(EX_INVMOD, f"-FBC names the ShadowImage pair cascaded from a "
                                      f"TrueCopy pair; {target.copy_group} is {target.copy_type}")
        volume = target.local if near else target.remote
        group = next((g for g in lab.copy_groups
                      if g.copy_type in LOCAL_TYPES and str(g.mu) == mu
                      and volume in (volume_text(g.pvol), volume_text(g.svol))), None)
        if group is None:
            found.append(PairTarget(f"{volume}/MU#{mu}", "SI", mu, volume, "", ""))
            continue
        other = volume_text(group.svol if volume_text(group.pvol) == volume else group.pvol)
        found.append(PairTarget(group.name, CopyType(group.copy_type).value, group.mu, volume,
                                other, group.generation_name))
    return found
