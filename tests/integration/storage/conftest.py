import pytest

from adapters.storage.base import VolumeRef
from adapters.storage.simulated_array import SimulatedStorage

MIB = 1 << 20


class Lab2:
    """Two arrays: P-VOL 1:1 with local S-VOLs 1:2..1:4, remote S-VOL 2:1."""

    def __init__(self, root):
        self.storage = SimulatedStorage(root)
        self.storage.define_array("1")
        self.storage.define_array("2")
        self.p = VolumeRef(serial="1", ldev=1)
        self.locals = [VolumeRef(serial="1", ldev=n) for n in (2, 3, 4)]
        self.remote = VolumeRef(serial="2", ldev=1)
        for vol in [self.p, *self.locals, self.remote]:
            self.storage.create_ldev(vol, 64 * MIB)

    def path(self, vol):
        return self.storage.volume_path(vol)


@pytest.fixture
def lab2(tmp_path):
    lab = Lab2(tmp_path / "arrays")
    yield lab
    lab.storage.wait_idle(30)
