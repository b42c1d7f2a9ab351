"""Loading a lab file (TOML) into a checked ``Lab``, with errors that name file, line and key.

``load_lab(path)`` accepts a TOML file, or a directory holding ``horcm<n>.conf`` files plus a
small host file (``hosts.toml``, see ``horcm.py``). Any problem raises ``LabError`` listing
every problem found; nothing is created by loading. Files are read with a size limit
(``adapters.files.LAB_FILE_LIMIT``) and must be UTF-8; a file that is not (binary, too deeply
nested, too large) is a ``LabError`` like any other, never a traceback.
"""
from __future__ import annotations

from pathlib import Path

from adapters.lab.checking import LabError, lab_from_data, parse_toml, read_lab_text
from adapters.lab.horcm import lab_from_horcm_dir
from adapters.lab.model import Lab

__all__ = ["LabError", "lab_from_data", "load_lab"]


def load_lab(path: Path) -> Lab:
    """The checked lab at ``path`` (TOML file or horcm directory); raises ``LabError``."""
    path = Path(path)
    if path.is_dir():
        try:
            return lab_from_horcm_dir(path)
        except (AttributeError, TypeError, ValueError, KeyError) as error:  # a shape we cannot read
            raise LabError([f"{path}: not a usable horcm lab: {error}"]) from None
    text = read_lab_text(path)
    return lab_from_data(parse_toml(text, path), str(path), text)
