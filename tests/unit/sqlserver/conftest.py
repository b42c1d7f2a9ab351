"""An in-process simulated SQL Server for the unit tests: instance ``default`` with the user
database ``DB1`` (FULL) on ``vol1``; ``backup`` takes a full backup (freeze, copy the volume
as the split would, thaw) and ``restore`` puts such a copy back."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.sqlserver.engine import SqlServerEngine


@dataclass
class Backup:
    metadata: tuple
    copy: Path


class Lab:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.engine = SqlServerEngine(root / "state", [root])
        self.engine.define_instance("default", root / "system")
        self.vol1, self.vol2 = root / "vol1", root / "vol2"
        self.engine.create_database("default", "DB1", [self.vol1], self.vol1)
        self.count = 0

    def backup(self, databases=("DB1",), volumes=("vol1",), metadata_dir=None) -> Backup:
        self.count += 1
        freeze, metadata = self.engine.freeze("default", list(databases), 60, metadata_dir,
                                              f"{self.count:010d}")
        copy = self.root / "copies" / str(self.count)
        for volume in volumes:
            shutil.copytree(self.root / volume, copy / volume)
        self.engine.thaw(freeze)
        return Backup(metadata, copy)

    def put_back(self, backup: Backup, volumes=("vol1",)) -> None:
        for volume in volumes:
            shutil.rmtree(self.root / volume)
            shutil.copytree(backup.copy / volume, self.root / volume)

    def write(self, rows: int, database: str = "DB1", each: int = 1) -> None:
        for _ in range(rows // each):
            self.engine.write_rows("default", database, each)


@pytest.fixture
def lab(tmp_path):
    made = Lab(tmp_path)
    yield made
    made.engine.close()
