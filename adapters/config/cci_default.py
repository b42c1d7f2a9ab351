"""The CCI-linkage definition file ``conf/raid/DEFAULT.dat`` and copy parameter files (``-pf``;
spec 02 §4, Tables 3-17 to 3-24).

``KEY=value`` lines, parameter names case-sensitive (the manual's rule for copy parameter files,
taken for ``DEFAULT.dat`` too), ``#`` lines comments. As for ``init.conf``, a value out of range
is not an error: the default is used and a warning names the line (``CciLinkage.warnings``).

| key                       | values (default)                | unit  |                           |
|---------------------------|---------------------------------|-------|---------------------------|
| ``HORCMINST``             | 0-2047, repeatable (none)       |       | instances this host's     |
| ``HORCMINST_AUX``         | 0-2047, repeatable (none)       |       | commands start and use    |
| ``RETRY_TIME``            | 0-3600 (120 when absent)        | count | pair-status checks; 0 = ever|
| ``RETRY_WAIT``            | 0-3600 (5 when absent)          | s     |                           |
| ``RESYNC_RETRY_TIME``     | 0-3600 (= RETRY_TIME)           | count | paircreate / pairresync   |
| ``RESYNC_RETRY_WAIT``     | 0-360000 (= RETRY_WAIT)         | 10 ms |                           |
| ``SPLIT_RETRY_TIME/WAIT`` | as RESYNC_*                     |       | pairsplit                 |
| ``RESTORE_RETRY_TIME/WAIT``| as RESYNC_*                    |       | the resync of a restore   |
| ``RESTORE_DELAY_RETRY_TIME/WAIT`` | as RESYNC_*             |       | before pairresync -restore|
| ``BUSY_RETRY_TIME``       | 1-3600 (3)                      | count | CCI busy                  |
| ``BUSY_RETRY_WAIT``       | 1-360000 (100)                  | 10 ms |                           |
| ``COPY_SIZE``             | 1-15 (CCI's default)            | tracks| copy pace                 |
| ``PAIR_CREATE``           | DISABLE / ENABLE (DISABLE)      |       | paircreate on SMPL        |
| ``DEVICE_DETACH``         | DISABLE / ENABLE (DISABLE)      |       | dynamic S-VOL recognition |
| ``CONFIRM_GENERATION_IDENTICAL`` | DISABLE / ENABLE (ENABLE)|       | MU# mismatch: error/warning|
| ``RECOVERY_MODE_ON_BACKUP_ABORTING`` | ASIS / PAIRSPLIT (ASIS)|     | after a failed backup     |
| ``INSTALLPATH``           | CCI's folder (none)             |       |                           |
| ``VENDER``, ``PRODUCT``   | must stay as installed          |       | warned when missing       |

A copy parameter file (``conf/raid/<name>``, given with ``-pf``) holds only the ten pair-status
retry keys; each valid one overrides ``DEFAULT.dat`` for one run, anything else falls back to it
with a warning (``apply_copy_parameters``). Copy pace precedence (``copy_pace``): ``-copy_size``
> ``DRM_COPY_SIZE`` > ``COPY_SIZE`` > CCI's default.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass

from adapters.config.lines import ConfigText, numbered_lines, read_config, split_entries

CCI_FILE_LIMIT = 64 << 10
INSTANCE_MAX = 2047
COPY_SIZE_MIN, COPY_SIZE_MAX = 1, 15
_DIGITS = re.compile(r"[0-9]{1,6}")
PURPOSES = ("RESYNC", "SPLIT", "RESTORE", "RESTORE_DELAY")
RETRY_KEYS = ("RETRY_TIME", "RETRY_WAIT", *(f"{p}_RETRY_{w}" for p in PURPOSES
                                           for w in ("TIME", "WAIT")))
FLAGS = {"PAIR_CREATE": (("DISABLE", "ENABLE"), "DISABLE"),
         "DEVICE_DETACH": (("DISABLE", "ENABLE"), "DISABLE"),
         "CONFIRM_GENERATION_IDENTICAL": (("DISABLE", "ENABLE"), "ENABLE"),
         "RECOVERY_MODE_ON_BACKUP_ABORTING": (("ASIS", "PAIRSPLIT"), "ASIS")}
KNOWN = frozenset({*RETRY_KEYS, "HORCMINST", "HORCMINST_AUX", "BUSY_RETRY_TIME",
                   "BUSY_RETRY_WAIT", "COPY_SIZE", "INSTALLPATH", "VENDER", "PRODUCT", *FLAGS})


@dataclass(frozen=True)
class PairWait:
    """Checks after the first (0 = for ever) and the wait between them in 10 ms units."""

    retry_time: int
    retry_wait_10ms: int

    @property
    def wait_seconds(self) -> float:
        return self.retry_wait_10ms / 100


@dataclass(frozen=True)
class CciLinkage:
    horcminst: tuple[int, ...] = ()
    horcminst_aux: tuple[int, ...] = ()
    retry: PairWait = PairWait(120, 500)  # RETRY_TIME / RETRY_WAIT (given in s)
    resync: PairWait = PairWait(120, 500)
    split: PairWait = PairWait(120, 500)
    restore: PairWait = PairWait(120, 500)
    restore_delay: PairWait = PairWait(120, 500)
    busy: PairWait = PairWait(3, 100)
    copy_size: int | None = None
    pair_create: bool = False
    device_detach: bool = False
    confirm_generation_identical: bool = True
    recovery_mode: str = "ASIS"
    install_path: str | None = None
    warnings: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()  # (file, sha256) of DEFAULT.dat and a -pf file


def load_cci_default(path: str | os.PathLike) -> CciLinkage:
    """``DEFAULT.dat`` at ``path`` (the defaults, warned, when it is missing); ``ConfigError``
    for a file that cannot be read as text at all."""
    try:
        config = read_config(path, "CCI-linkage definition file", limit=CCI_FILE_LIMIT)
    except FileNotFoundError:
        return CciLinkage(warnings=(f"{os.fspath(path)}: no CCI-linkage definition file; the "
                                    f"defaults are used",))
    return parse_cci_text(config)


def parse_cci_default(text: str, name: str = "DEFAULT.dat") -> CciLinkage:
    from adapters.config.lines import decode_config

    return parse_cci_text(decode_config(text.encode("utf-8", "surrogatepass"), name,
                                        "CCI-linkage definition file"))


def parse_cci_text(config: ConfigText) -> CciLinkage:
    reader = _Reader(config, allowed=KNOWN)
    instances = tuple(reader.integers("HORCMINST", 0, INSTANCE_MAX))
    aux = tuple(reader.integers("HORCMINST_AUX", 0, INSTANCE_MAX))
    if not instances:
        reader.warn(0, "HORCMINST", "missing: the instance that manages this host's volumes "
                                    "is required")
    time = reader.number("RETRY_TIME", 0, 3600, 120)
    wait = reader.number("RETRY_WAIT", 0, 3600, 5) * 100
    general = PairWait(time, wait)
    purposes = {p: PairWait(reader.number(f"{p}_RETRY_TIME", 0, 3600, time),
                            reader.number(f"{p}_RETRY_WAIT", 0, 360000, wait)) for p in PURPOSES}
    busy = PairWait(reader.number("BUSY_RETRY_TIME", 1, 3600, 3),
                    reader.number("BUSY_RETRY_WAIT", 1, 360000, 100))
    copy_size = reader.number("COPY_SIZE", COPY_SIZE_MIN, COPY_SIZE_MAX, None)
    flags = {key: reader.choice(key, *FLAGS[key]) for key in FLAGS}
    for key in ("VENDER", "PRODUCT"):
        if key not in reader.values:
            reader.warn(0, key, "missing: it must not be deleted (Application Agent uses it)")
    install = reader.values.get("INSTALLPATH", [(0, None)])[-1][1] or None
    return CciLinkage(
        instances, aux, general, purposes["RESYNC"], purposes["SPLIT"], purposes["RESTORE"],
        purposes["RESTORE_DELAY"], busy, copy_size, flags["PAIR_CREATE"] == "ENABLE",
        flags["DEVICE_DETACH"] == "ENABLE", flags["CONFIRM_GENERATION_IDENTICAL"] == "ENABLE",
        flags["RECOVERY_MODE_ON_BACKUP_ABORTING"], install, tuple(reader.warnings),
        ((config.name, config.digest),))


def load_copy_parameters(base: CciLinkage, path: str | os.PathLike) -> CciLinkage:
    """``base`` with the pair-status retry values of the copy parameter file ``path``.
    ``FileNotFoundError`` / ``ConfigError`` when it cannot be read (the command is refused)."""
    return apply_copy_parameters(base, read_config(path, "copy parameter file",
                                                   limit=CCI_FILE_LIMIT))


def apply_copy_parameters(base: CciLinkage, config: ConfigText) -> CciLinkage:
    reader = _Reader(config, allowed=frozenset(RETRY_KEYS))
    time = reader.number("RETRY_TIME", 0, 3600, base.retry.retry_time)
    wait = reader.number("RETRY_WAIT", 0, 3600, None)
    general = PairWait(time, base.retry.retry_wait_10ms if wait is None else wait * 100)
    changed = {"retry": general}
    for purpose in PURPOSES:
        current: PairWait = getattr(base, purpose.lower())
        changed[purpose.lower()] = PairWait(
            reader.number(f"{purpose}_RETRY_TIME", 0, 3600, current.retry_time),
            reader.number(f"{purpose}_RETRY_WAIT", 0, 360000, current.retry_wait_10ms))
    return dataclasses.replace(base, **changed, warnings=base.warnings + tuple(reader.warnings),
                               files=base.files + ((config.name, config.digest),))


def copy_pace(option: int | None, environment: int | None, linkage: CciLinkage) -> int | None:
    """The copy pace a command uses (None: CCI's default), by the manual's precedence."""
    for value in (option, environment, linkage.copy_size):
        if value is not None:
            return value
    return None


class _Reader:
    def __init__(self, config: ConfigText, allowed: frozenset[str]) -> None:
        self.name = config.name
        self.warnings: list[str] = []
        lines = numbered_lines(config.text, config.name)
        entries, problems = split_entries(lines, config.name, fold_case=False)
        self.warnings += [f"{problem}; ignored" for problem in problems]
        self.values: dict[str, list[tuple[int, str]]] = {}
        for entry in entries:
            if entry.key not in allowed:
                self.warn(entry.line, entry.key, "not a parameter of this file; ignored")
                continue
            self.values.setdefault(entry.key, []).append((entry.line, entry.value))

    def warn(self, line: int, key: str, text: str) -> None:
        where = f"{self.name} line {line}" if line else self.name
        self.warnings.append(f"{where}: {key}: {text}")

    def _valid(self, text: str, lowest: int, highest: int) -> bool:
        return bool(_DIGITS.fullmatch(text)) and lowest <= int(text) <= highest

    def number(self, key: str, lowest: int, highest: int, default):
        if key not in self.values:
            return default
        line, text = self.values[key][-1]
        if self._valid(text, lowest, highest):
            return int(text)
        self.warn(line, key, f"{text[:40]!r} is not {lowest}-{highest}; the default is used")
        return default

    def integers(self, key: str, lowest: int, highest: int) -> list[int]:
        found = []
        for line, text in self.values.get(key, ()):
            if self._valid(text, lowest, highest):
                found.append(int(text))
            else:
                self.warn(line, key, f"{text[:40]!r} is not {lowest}-{highest}; ignored")
        return found

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        if key not in self.values:
            return default
        line, text = self.values[key][-1]
        if text in allowed:
            return text
        self.warn(line, key, f"{text[:40]!r} is not one of {', '.join(allowed)}; {default} "
                             f"is used")
        return default
