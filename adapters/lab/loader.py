"""Loading a lab file (TOML) into a checked ``Lab``, with errors that name file, line and key.

``load_lab(path)`` accepts a TOML file, or a directory holding ``horcm<n>.conf`` files plus a
small host file (``hosts.toml``, see ``horcm.py``). Any problem raises ``LabError`` listing
every problem found; nothing is created by loading.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from adapters.lab.checking import LabError, lab_from_data
from adapters.lab.horcm import lab_from_horcm_dir
from adapters.lab.model import Lab

__all__ = ["LabError", "lab_from_data", "load_lab"]


def load_lab(path: Path) -> Lab:
    """The checked lab at ``path`` (TOML file or horcm directory); raises ``LabError``."""
    path = Path(path)
    if path.is_dir():
        return lab_from_horcm_dir(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LabError([f"{path}: cannot read: {error.strerror}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LabError([f"{path}: invalid TOML: {error}"]) from None
    return lab_from_data(data, str(path), text)
