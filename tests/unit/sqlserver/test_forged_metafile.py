"""A VDI metafile whose numbers are out of range (a forged or damaged file, recorded without a
checksum) is refused as "not a metafile" and the database keeps its state: an LSN of 2**64
used to be adopted and saved, and every later write failed packing it into a page."""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from services.agent.application_port import ApplicationError


@pytest.mark.parametrize("field, value", [("lsn", 2 ** 64), ("next_row", 10 ** 30),
                                          ("frozen_at", math.inf)])
def test_a_metafile_with_a_number_out_of_range_is_refused(lab, field, value):
    lab.write(2)
    backup = lab.backup(metadata_dir=lab.root / "meta")
    lab.engine.set_offline("default", "DB1")
    before = [dataclasses.asdict(i) for i in lab.engine.databases("default")]
    meta = backup.metadata[0]
    body = json.loads(Path(meta.path).read_text())
    body[field] = value
    Path(meta.path).write_text(json.dumps(body))
    unchecked = dataclasses.replace(meta, sha256="")
    with pytest.raises(ApplicationError, match="not a metafile"):
        lab.engine.restored("default", ["DB1"], [unchecked], standby=False)
    assert [dataclasses.asdict(i) for i in lab.engine.databases("default")] == before


def test_an_oversized_metafile_is_refused_by_its_size(lab):
    lab.write(1)
    backup = lab.backup(metadata_dir=lab.root / "meta")
    lab.engine.set_offline("default", "DB1")
    meta = backup.metadata[0]
    with open(meta.path, "ab") as grown:
        grown.write(b" " * (1 << 20))
    with pytest.raises(ApplicationError, match="longer than"):
        lab.engine.restored("default", ["DB1"], [dataclasses.replace(meta, sha256="")],
                            standby=False)
