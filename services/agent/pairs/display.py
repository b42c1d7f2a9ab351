"""The pair queries: ``pairdisplay`` and ``raidscan``, answered from the array (the truth)
and the lab (where each LDEV is), recording nothing.

``pairdisplay`` gives two rows per pair, this host's volume first (``L``), then the other one
(``R``), as CCI does; each row also says what this host's events last knew of the pair
(``known``), so a change made behind the host's back shows before any command records it.
"""
from __future__ import annotations

from typing import Any

from adapters.storage.errors import CciError
from events.pair_commands import DisplayPairs, ScanPort
from services.agent.filesystem.handlers import require_storage
from services.agent.pairs.decide import cci_rejection
from services.agent.pairs.handlers import targets_of
from services.agent.runner import ref
from services.agent.service import AgentContext


def _ldev(lab, volume: str):
    serial, _, ldev = volume.partition(":")
    return lab.ldev(serial, int(ldev))


def display_rows(context: AgentContext, targets) -> list[dict[str, Any]]:
    """Row fields: group, device, side (L/R), port, target, lu, mu, serial, ldev, role
    (P-VOL/S-VOL/"-"), status (as that volume shows it), fence, percent (None when SMPL),
    partner_serial, partner_ldev, copy_type, generation, svol_mode, known (this host's last
    known status)."""
    lab, storage, rows = context.ports.lab, context.ports.storage, []
    for target in targets:
        record = storage.pairdisplay(ref(target.local), target.mu) if target.remote else None
        state = context.view.copy_groups.get(target.copy_group)
        group, _, device = target.copy_group.partition(",")
        sides = (("L", target.local, target.remote), ("R", target.remote, target.local))
        for side, volume, partner in sides:
            if not volume:
                continue
            ldev = _ldev(lab, volume)
            serial, _, number = volume.partition(":")
            role = "-"
            status = "SMPL"
            if record is not None:
                role = "P-VOL" if str(record.pvol) == volume else "S-VOL"
                status = record.status_of(ref(volume)).value
            partner_serial, _, partner_ldev = partner.partition(":")
            rows.append({
                "group": group, "device": device or target.copy_group, "side": side,
                "port": (ldev.port if ldev else "") or "-", "target": ldev.target if ldev else 0,
                "lu": (ldev.lu if ldev.lu is not None else ldev.id) if ldev else int(number),
                "mu": target.mu, "serial": serial, "ldev": int(number), "role": role,
                "status": status, "fence": "-" if record is None else record.fence,
                "percent": None if record is None else record.percent,
                "partner_serial": partner_serial or None,
                "partner_ldev": int(partner_ldev) if partner_ldev else None,
                "copy_type": target.copy_type, "generation": target.generation,
                "svol_mode": None if record is None else record.svol_mode,
                "known": state.status if state is not None else "UNKNOWN"})
    return rows


def display_pairs(command: DisplayPairs, context: AgentContext) -> dict[str, Any]:
    return {"rows": display_rows(context, targets_of(command, context))}


def scan_port(command: ScanPort, context: AgentContext) -> dict[str, Any]:
    """Every LDEV on ``command.port`` (of array ``serial``, else of every array), then one row
    per pair on it (``mu`` ``-`` and status SMPL for an LDEV without pairs)."""
    require_storage(context)
    lab, storage = context.ports.lab, context.ports.storage
    ldevs = [(array.serial, ldev) for array in lab.arrays for ldev in array.ldevs
             if ldev.port.upper() == command.port.upper()
             and command.serial in (None, array.serial)]
    if not ldevs:
        raise cci_rejection(CciError("EX_ENOOBJ", f"no LDEV on port {command.port}"))
    records = storage.records()
    rows = []
    for serial, ldev in ldevs:
        here = f"{serial}:{ldev.id}"
        mine = [r for r in records if here in (str(r.pvol), str(r.svol))]
        base = {"port": ldev.port, "target": ldev.target,
                "lu": ldev.lu if ldev.lu is not None else ldev.id, "serial": serial,
                "ldev": ldev.id}
        if not mine:
            rows.append({**base, "mu": "-", "role": "-", "status": "SMPL", "fence": "-",
                         "partner_serial": None, "partner_ldev": None, "copy_type": "-"})
        for record in sorted(mine, key=lambda r: (r.copy_type.value, r.mu)):
            is_pvol = str(record.pvol) == here
            partner = record.svol if is_pvol else record.pvol
            rows.append({**base, "mu": record.mu or "-", "role": "P-VOL" if is_pvol else "S-VOL",
                         "status": record.status_of(ref(here)).value, "fence": record.fence,
                         "partner_serial": partner.serial, "partner_ldev": partner.ldev,
                         "copy_type": record.copy_type.value})
    return {"rows": rows}


PAIR_QUERY_HANDLERS = ((DisplayPairs, display_pairs), (ScanPort, scan_port))
