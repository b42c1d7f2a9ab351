"""CCI-like errors raised by the simulated array.

Every refusal carries a CCI error name (``EX_INVSTP`` …) and a text in the manner of CCI's
``RAID Manager`` messages, so that a later CCI emulator can print them unchanged.
"""
from __future__ import annotations

EX_INVSTP = "EX_INVSTP"  # the pair status does not allow the operation
EX_ENOGRP = "EX_ENOGRP"  # no such group / no pair on the volume
EX_ENOOBJ = "EX_ENOOBJ"  # no such object (array or LDEV) in the RAID
EX_ENQSIZ = "EX_ENQSIZ"  # unmatched volume size for pairing
EX_INVVOL = "EX_INVVOL"  # invalid volume for the operation (in use, capacity exceeded)
EX_CMDRJE = "EX_CMDRJE"  # command rejected by the array (also: injected failures)
EX_EWSTOT = "EX_EWSTOT"  # timeout waiting for the specified status
EX_INVMUN = "EX_INVMUN"  # invalid MU# for the copy type
EX_INVARG = "EX_INVARG"  # invalid argument
EX_ENODEV = "EX_ENODEV"  # no such device (dev_name) in the group
EX_INVMOD = "EX_INVMOD"  # the instance's mode (HORC/MRCF) contradicts the pair's copy type
EX_EWSUSE = "EX_EWSUSE"  # the pair was suspended (PSUE) while pairevtwait waited

MESSAGES = {
    EX_INVSTP: "Invalid pair status",
    EX_ENOGRP: "No such group",
    EX_ENOOBJ: "No such Object in the RAID",
    EX_ENQSIZ: "Unmatched volume size for pairing",
    EX_INVVOL: "Invalid volume status",
    EX_CMDRJE: "An order to the control/command device was rejected",
    EX_EWSTOT: "Timeout waiting for specified status",
    EX_INVMUN: "Invalid mu# with HORC or HOMRCF",
    EX_INVARG: "Invalid argument",
    EX_ENODEV: "No such device",
    EX_INVMOD: "Invalid RAID command mode",
    EX_EWSUSE: "Pair suspended at WAIT state",
}

EXIT_CODES = {
    EX_ENQSIZ: 212, EX_ENOOBJ: 205, EX_INVMUN: 220, EX_CMDRJE: 221, EX_INVVOL: 222,
    EX_INVSTP: 228, EX_EWSTOT: 233, EX_EWSUSE: 234, EX_ENOGRP: 239, EX_INVMOD: 241,
    EX_ENODEV: 246, EX_INVARG: 253,
}
"""The exit code of a CCI command that ends with each error (the CCI reference's table of
error codes; ADR 0009)."""


class StorageError(Exception):
    """Base class of every error of the storage adapters."""


class CciError(StorageError):
    """An operation the array refused; ``code`` is the CCI error name."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        text = MESSAGES.get(code, code)
        super().__init__(f"[{code}] {text}" + (f": {detail}" if detail else ""))


class CopyInterrupted(StorageError):
    """A background copy stopped before its end (cancelled, stopped by a fault)."""
