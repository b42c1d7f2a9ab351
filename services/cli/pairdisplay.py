"""``drm pairdisplay -g GROUP [-d DEV] [--json]``: pair status in the manner of CCI ``pairdisplay``.

Each copy group prints two lines, the local (L, P-VOL side) and remote (R, S-VOL side) volume::

    Group   PairVol(L/R) (Port#,TID, LU-M) ,Seq#,LDEV#.P/S,Status,Fence, % ,P-LDEV# M
"""
from __future__ import annotations

import argparse
import json

from adapters.lab.provision import open_storage, volume
from services import messages
from services.cli.entries import LocalEntry
from services.cli.errors import CliError
from services.cli.lab import require_lab
from services.settings import load_settings

MSG_NO_GROUP = messages.NO_SUCH_GROUP
HEADER = "Group   PairVol(L/R) (Port#,TID, LU-M) ,Seq#,LDEV#.P/S,Status,Fence, % ,P-LDEV# M"


def register(subparsers) -> None:
    parser = subparsers.add_parser("pairdisplay", help="show the pair status of a copy group (CCI pairdisplay)")
    parser.add_argument("-g", dest="group", required=True, help="dev_group")
    parser.add_argument("-d", dest="device", help="dev_name (default: every device of the group)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the CCI layout")
    parser.set_defaults(func=run)


def rows(lab, storage, group: str, device: str | None) -> list[dict]:
    result = []
    for cg in lab.copy_group(group, device):
        record = storage.pairdisplay(volume(cg.pvol.array, cg.pvol.ldev), cg.mu)
        pvol, svol = (record.pvol, record.svol) if record else (volume(cg.pvol.array, cg.pvol.ldev), volume(cg.svol.array, cg.svol.ldev))
        for side, vol, partner in (("L", pvol, svol), ("R", svol, pvol)):
            ldev = lab.ldev(vol.serial, vol.ldev)
            status = "SMPL" if record is None else record.status_of(vol).value
            result.append({
                "group": cg.group, "device": cg.device, "side": side, "port": ldev.port or "-",
                "target": ldev.target, "lu": ldev.lu if ldev.lu is not None else ldev.id, "mu": cg.mu,
                "serial": vol.serial, "ldev": vol.ldev,
                "role": "-" if record is None else ("P-VOL" if vol == record.pvol else "S-VOL"),
                "status": status, "fence": "-" if record is None else record.fence,
                "percent": None if record is None else record.percent,
                "partner_ldev": None if record is None else partner.ldev,
                "copy_type": cg.copy_type.value, "generation": cg.generation_name,
                "svol_mode": None if record is None else record.svol_mode,
            })
    return result


def render(row: dict) -> str:
    mu = row["mu"] or "0"
    where = f"({row['port']}-0, {row['target']:>2}, {row['lu']:>3}-{mu:<2})"
    percent = "-" if row["percent"] is None else str(row["percent"])
    partner = "-" if row["partner_ldev"] is None else str(row["partner_ldev"])
    return (f"{row['group']:<8}{row['device'] + '(' + row['side'] + ')':<13}{where} {row['serial']:>7} "
            f"{row['ldev']:>5}.{row['role']:<5} {row['status']:<5} {row['fence']:<6},{percent:>4} {partner:>6} -")


def run(args: argparse.Namespace) -> int:
    data_dir = load_settings().data_dir
    lab = require_lab(data_dir)
    found = rows(lab, open_storage(data_dir), args.group, args.device)
    if not found:
        what = f"{args.group},{args.device}" if args.device else args.group
        raise CliError(MSG_NO_GROUP, messages.text(MSG_NO_GROUP, group=what))
    if args.json:
        print(json.dumps(found, indent=2))
    else:
        print(HEADER)
        for row in found:
            print(render(row))
    return 0


PAIRDISPLAY = LocalEntry("pairdisplay", register)
