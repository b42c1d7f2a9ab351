"""The lab definition as frozen pydantic models, and its cross-checks.

Field syntax is checked by pydantic (unknown keys are refused); ``check_lab`` checks what a
single field cannot: duplicates, references, sizes, local vs remote copy types and MU# ranges.
It returns every problem as ``(key path, message)`` so the loader can name the file and line.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from adapters.lab.postgres import PostgresCluster, check_postgres  # pg-app: PostgreSQL clusters
from adapters.lab.sql_model import SqlInstance, sql_problems
from adapters.storage.errors import CciError
from events.names import CopyGroupPart, HostName, LibraryName, MediumName, PathText, SerialText
from adapters.storage.pairs import LOCAL_TYPES, CopyType, generation_name, normalize_mu, parse_copy_type

_SIZE = re.compile(r"^\s*(\d+)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(value: object) -> int:
    """Bytes from an int or a text like ``64MiB``, ``1G``, ``4096``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f"not a size: {value!r} (use bytes or e.g. '64MiB')")
    return int(match.group(1)) * _UNITS[(match.group(2) or "")[:1].upper()]


def _plain_text(limit: int):
    def check(value: str) -> str:
        if len(value) > limit or any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError(f"at most {limit} characters, no control characters")
        return value
    return AfterValidator(check)


MAX_SIZE = 1 << 46  # 64 TiB: the largest LDEV a lab may define
Size = Annotated[int, BeforeValidator(parse_size), Field(gt=0, le=MAX_SIZE)]
Serial = SerialText
LdevId = Annotated[int, Field(ge=0, le=65535)]
ShortText = Annotated[str, _plain_text(64)]
MuText = Annotated[str, BeforeValidator(lambda v: "" if v is None else str(v))]
CopyTypeText = Annotated[CopyType, BeforeValidator(lambda v: parse_copy_type(str(v)))]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Ldev(_Frozen):
    id: LdevId
    size: Size
    port: ShortText = ""
    target: int = Field(default=0, ge=0, le=255)
    lu: int | None = Field(default=None, ge=0, le=4095)



class Array(_Frozen):
    serial: Serial
    model: ShortText = "VSP"
    ldevs: tuple[Ldev, ...] = Field(default=(), max_length=65536)



class Mount(_Frozen):
    path: PathText  # absolute, or relative to the data directory (confined: see mount_roots)
    array: Serial
    ldev: LdevId
    mounted: bool = True  # False: the host knows the mount point; the volume is mounted later



class Host(_Frozen):
    name: HostName
    role: Literal["FS", "DB", "BK"]
    mounts: tuple[Mount, ...] = Field(default=(), max_length=4096)
    # directories besides the data directory where this host's mount points may lie
    mount_roots: tuple[PathText, ...] = Field(default=(), max_length=64)
    com_retry_time: int | None = Field(default=None, ge=0, le=3600)  # init.conf COM_RETRY_TIME
    com_retry_wait: float | None = Field(default=None, ge=0, le=3600)  # COM_RETRY_WAIT, seconds
    # a cluster's virtual server: the physical nodes its agent runs on (active and standby)
    nodes: tuple[HostName, ...] = Field(default=(), max_length=16)
    # DEFAULT.dat DEVICE_DETACH: ENABLE = dynamic recognition (drmmount reveals a concealed
    # S-VOL, drmumount conceals it again); DISABLE = a concealed S-VOL stays hidden
    device_detach: Literal["ENABLE", "DISABLE"] = "DISABLE"
    # SQL Server instances of this host (simulated: adapters.sqlserver; slice sql-instance)
    sql_instances: tuple[SqlInstance, ...] = Field(default=(), max_length=64)


class Volume(_Frozen):
    array: Serial
    ldev: LdevId



class CopyGroup(_Frozen):
    group: CopyGroupPart  # dev_group
    device: CopyGroupPart  # dev_name
    copy_type: CopyTypeText
    mu: MuText = ""
    pvol: Volume
    svol: Volume
    generation: str = Field(default="", pattern=r"^((local|remote)_\d{1,4})?$")
    initial_status: Literal["SMPL", "PAIR", "PSUS"] = "PAIR"


    @property
    def name(self) -> str:
        return f"{self.group},{self.device}"

    @property
    def generation_name(self) -> str:
        return self.generation or generation_name(self.copy_type, self.mu)


class TapeLibrary(_Frozen):
    name: LibraryName
    drives: int = Field(default=1, ge=1, le=256)
    slots: int = Field(default=0, ge=0, le=1_000_000)
    media: tuple[MediumName, ...] = Field(default=(), max_length=100_000)
    retention_days: int = Field(default=0, ge=0, le=36500)


class Lab(_Frozen):
    name: Annotated[str, _plain_text(128)] = "lab"
    hosts: tuple[Host, ...] = Field(default=(), max_length=1024)
    arrays: tuple[Array, ...] = Field(default=(), max_length=256)
    copy_groups: tuple[CopyGroup, ...] = Field(default=(), max_length=65536)
    tape_library: TapeLibrary | None = None
    postgres_clusters: tuple[PostgresCluster, ...] = Field(default=(), max_length=64)  # pg-app

    def ldev(self, array: str, ldev: int) -> Ldev | None:
        for candidate in self.arrays:
            if candidate.serial == array:
                return next((l for l in candidate.ldevs if l.id == ldev), None)
        return None

    def copy_group(self, group: str, device: str | None = None) -> list[CopyGroup]:
        return [c for c in self.copy_groups if c.group == group and device in (None, c.device)]


Problem = tuple[tuple, str]


def check_lab(lab: Lab) -> list[Problem]:
    """Every inconsistency of ``lab`` as (key path, message); empty when the lab is sound."""
    problems: list[Problem] = []
    _dupes(problems, [h.name for h in lab.hosts], "hosts", "name", "host")
    _dupes(problems, [a.serial for a in lab.arrays], "arrays", "serial", "array")
    for h, host in enumerate(lab.hosts):
        problems.extend((("hosts", h, "nodes"), f"virtual server {host.name}: {text}")
                        for text in _node_problems(host))
    for h, host in enumerate(lab.hosts):  # SQL Server instances (slice sql-instance)
        problems.extend(((("hosts", h) + key), text) for key, text in sql_problems(host))
    for i, array in enumerate(lab.arrays):
        _dupes(problems, [l.id for l in array.ldevs], f"arrays[{i}].ldevs", "id", f"LDEV of array {array.serial}")
    for h, host in enumerate(lab.hosts):
        for m, mount in enumerate(host.mounts):
            if lab.ldev(mount.array, mount.ldev) is None:
                problems.append((("hosts", h, "mounts", m, "ldev"), f"no LDEV {mount.ldev} on array {mount.array}"))
    _dupes(problems, [c.name for c in lab.copy_groups], "copy_groups", "device", "copy group")
    seen_svols: dict[tuple, str] = {}
    seen_mus: dict[tuple, str] = {}
    for i, cg in enumerate(lab.copy_groups):
        problems.extend(((("copy_groups", i) + key), f"copy group {cg.name}: {text}") for key, text in _check_group(lab, cg))
        svol = (cg.svol.array, cg.svol.ldev)
        if svol in seen_svols:
            problems.append((("copy_groups", i, "svol"), f"copy group {cg.name}: S-VOL {svol[0]}:{svol[1]} is already the S-VOL of {seen_svols[svol]}"))
        seen_svols.setdefault(svol, cg.name)
        mu_key = (cg.pvol.array, cg.pvol.ldev, cg.copy_type in LOCAL_TYPES, cg.mu)
        if mu_key in seen_mus:
            problems.append((("copy_groups", i, "mu"), f"copy group {cg.name}: P-VOL already paired on MU#{cg.mu or '-'} by {seen_mus[mu_key]}"))
        seen_mus.setdefault(mu_key, cg.name)
    problems.extend(check_postgres(lab))  # pg-app
    return problems


def _node_problems(host: Host) -> list[str]:
    """A virtual server needs two or more distinct nodes, none of them named as itself."""
    if not host.nodes:
        return []
    out = [] if len(host.nodes) >= 2 else ["a cluster has at least two nodes"]
    folded = [node.lower() for node in host.nodes]
    if len(set(folded)) != len(folded):
        out.append("a node is named twice")
    if host.name.lower() in folded:
        out.append("a node cannot carry the virtual server's own name")
    return out


def _check_group(lab: Lab, cg: CopyGroup) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    try:
        mu = normalize_mu(cg.copy_type, cg.mu)
    except CciError as error:
        out.append((("mu",), error.detail))
        mu = None
    pvol, svol = lab.ldev(cg.pvol.array, cg.pvol.ldev), lab.ldev(cg.svol.array, cg.svol.ldev)
    if pvol is None:
        out.append((("pvol",), f"no LDEV {cg.pvol.ldev} on array {cg.pvol.array}"))
    if svol is None:
        out.append((("svol",), f"no LDEV {cg.svol.ldev} on array {cg.svol.array}"))
    if pvol and svol and svol.size < pvol.size:
        out.append((("svol",), f"S-VOL ({svol.size} bytes) is smaller than the P-VOL ({pvol.size} bytes)"))
    if (cg.pvol.array, cg.pvol.ldev) == (cg.svol.array, cg.svol.ldev):
        out.append((("svol",), "P-VOL and S-VOL are the same LDEV"))
    same_array = cg.pvol.array == cg.svol.array
    local = cg.copy_type in LOCAL_TYPES
    if local and not same_array:
        out.append((("copy_type",), f"{cg.copy_type.value} is a local copy but the P-VOL and S-VOL are on arrays {cg.pvol.array} and {cg.svol.array}"))
    if not local and same_array:
        out.append((("copy_type",), f"{cg.copy_type.value} is a remote copy but both volumes are on array {cg.pvol.array}"))
    if cg.generation:
        marked_local = cg.generation.startswith("local_")
        if marked_local != same_array:
            out.append((("generation",), f"generation {cg.generation} is marked {'local' if marked_local else 'remote'} but the pair is {'within one array' if same_array else 'between two arrays'}"))
        elif mu is not None and cg.generation != generation_name(cg.copy_type, mu):
            out.append((("generation",), f"generation {cg.generation} does not match MU#{mu or '-'} (expected {generation_name(cg.copy_type, mu)})"))
    return out


def _dupes(problems: list[Problem], values: list, table: str, key: str, what: str) -> None:
    seen = set()
    for i, value in enumerate(values):
        if value in seen:
            path = tuple(_split_path(table)) + (i, key)
            problems.append((path, f"duplicate {what} {value}"))
        seen.add(value)


def _split_path(table: str) -> list:
    parts: list = []
    for piece in table.split("."):
        name, _, index = piece.partition("[")
        parts.append(name)
        if index:
            parts.append(int(index.rstrip("]")))
    return parts
