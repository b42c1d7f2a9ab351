"""CCI configuration definition files (``horcm<n>.conf``) and labs built from them.

``parse_horcm`` reads the sections HORCM_MON, HORCM_CMD, HORCM_DEV, HORCM_LDEV and HORCM_INST
(``#`` starts a comment; the MU# column of HORCM_DEV may be empty). ``lab_from_horcm_dir``
builds a lab from a directory of ``horcm<n>.conf`` files and a host file ``hosts.toml`` which
holds what horcm files do not say: hosts, arrays with their LDEVs (``port``, ``target``,
``lu`` locate an LDEV from a HORCM_DEV line), the tape library and, optionally::

    [horcm]
    primary = 1                    # the instance whose volumes are P-VOLs (default: lowest)
    copy_types = { TC01 = "TC" }   # per dev_group; default SI within one array, TC across
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from adapters.lab.checking import LabError, lab_from_data, parse_toml, read_lab_text

_FILE_NAME = re.compile(r"^horcm([1-9][0-9]*|0)\.conf$")
SECTIONS = ("HORCM_MON", "HORCM_CMD", "HORCM_DEV", "HORCM_LDEV", "HORCM_INST", "HORCM_INSTP")


@dataclass(frozen=True)
class HorcmDev:
    group: str
    name: str
    port: str
    target: int
    lu: int
    mu: str = ""


@dataclass
class HorcmConf:
    instance: int
    service: str = ""
    ip_address: str = ""
    command_devices: list[str] = field(default_factory=list)
    devs: list[HorcmDev] = field(default_factory=list)
    ldevs: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    peers: dict[str, tuple[str, str]] = field(default_factory=dict)  # dev_group -> (ip, service)


def parse_horcm(text: str, instance: int, source: str = "horcm.conf") -> HorcmConf:
    """Parse one horcm.conf; raises ``LabError`` naming ``source`` and the line."""
    conf, section = HorcmConf(instance), None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.upper() in SECTIONS:
            section = line.upper()
            continue
        cols = line.split()
        try:
            if section == "HORCM_MON":
                conf.ip_address, conf.service = cols[0], cols[1]
            elif section == "HORCM_CMD":
                conf.command_devices.extend(cols)
            elif section == "HORCM_DEV":
                port, target, lu = cols[2], int(cols[3]), int(cols[4])
                conf.devs.append(HorcmDev(cols[0], cols[1], port, target, lu, cols[5] if len(cols) > 5 else ""))
            elif section == "HORCM_LDEV":
                conf.ldevs.append(tuple((cols + [""] * 5)[:5]))
            elif section in ("HORCM_INST", "HORCM_INSTP"):
                conf.peers[cols[0]] = (cols[1], cols[2])
            else:
                raise ValueError("line outside of any HORCM_ section")
        except (IndexError, ValueError) as error:
            raise LabError([f"{source}:{number}: {section or 'horcm'}: cannot read {raw.strip()!r} ({error})"]) from None
    return conf


def lab_from_horcm_dir(directory: Path):
    """A ``Lab`` from ``directory``'s horcm<n>.conf files and its ``hosts.toml``."""
    host_file = directory / "hosts.toml"
    if not host_file.exists():
        raise LabError([f"{host_file}: missing (hosts, arrays and LDEVs of the horcm lab)"])
    text = read_lab_text(host_file)
    data = parse_toml(text, host_file)
    options = data.pop("horcm", {})
    confs = {}
    for path in sorted(directory.glob("horcm*.conf")):
        match = _FILE_NAME.match(path.name)
        if not match or (len(match.group(1)) > 1 and match.group(1).startswith("0")):
            raise LabError([f"{path}: not a valid instance file name (horcm<n>.conf, no leading zero)"])
        confs[int(match.group(1))] = parse_horcm(read_lab_text(path), int(match.group(1)), str(path))
    if not confs:
        raise LabError([f"{directory}: no horcm<n>.conf file"])
    primary = confs.get(int(options.get("primary", min(confs))))
    if primary is None:
        raise LabError([f"{host_file}: horcm.primary: no horcm{options['primary']}.conf"])
    by_service = {c.service: c for c in confs.values()}
    where = {}
    for array in data.get("arrays", []):
        for ldev in array.get("ldevs", []):
            lu = ldev.get("lu", ldev.get("id"))
            where[(ldev.get("port", ""), ldev.get("target", 0), lu)] = {"array": array.get("serial"), "ldev": ldev.get("id")}
    groups, problems = [], []
    for dev in primary.devs:
        peer = by_service.get(primary.peers.get(dev.group, ("", ""))[1])
        remote = next((d for d in (peer.devs if peer else []) if (d.group, d.name) == (dev.group, dev.name)), None)
        if remote is None:
            problems.append(f"horcm{primary.instance}.conf: {dev.group},{dev.name}: no matching line in the peer instance")
            continue
        pvol, svol = where.get((dev.port, dev.target, dev.lu)), where.get((remote.port, remote.target, remote.lu))
        for side, vol, d in (("P-VOL", pvol, dev), ("S-VOL", svol, remote)):
            if vol is None:
                problems.append(f"{host_file}: no LDEV at port {d.port} TID {d.target} LU {d.lu} ({side} of {dev.group},{dev.name})")
        if pvol and svol:
            default = "SI" if str(pvol["array"]) == str(svol["array"]) else "TC"
            groups.append({"group": dev.group, "device": dev.name, "pvol": pvol, "svol": svol, "mu": dev.mu,
                           "copy_type": options.get("copy_types", {}).get(dev.group, default)})
    if problems:
        raise LabError(problems)
    data["copy_groups"] = data.get("copy_groups", []) + groups
    return lab_from_data(data, str(host_file), text)
