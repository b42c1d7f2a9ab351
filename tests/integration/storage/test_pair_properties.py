"""Random sequences of pair operations: the array agrees with a small reference model."""
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.storage.base import VolumeRef
from adapters.storage.errors import CciError
from adapters.storage.pairs import CopyType
from adapters.storage.simulated_array import SimulatedStorage
from tests.unit.storage.trees import tree_state, write_tree

OPS = ["create", "split", "split_rw", "delete", "resync", "restore", "swap", "fail_next", "write"]
SNAPSHOT = {"TI"}


class Model:
    """The expected P-VOL-side status; copies finish before the next operation (the test waits)."""

    def __init__(self, copy_type: str) -> None:
        self.copy_type, self.status, self.fail_pending = copy_type, "SMPL", False

    def apply(self, op: str) -> bool:
        """Apply ``op``; False when the array must refuse it."""
        snap = self.copy_type in SNAPSHOT
        if self.fail_pending and (self.status == "SMPL") == (op == "create"):  # an op that reaches the pair
            self.fail_pending, self.status = False, "PSUE"
            return False
        allowed = {
            "create": self.status == "SMPL",
            "split": self.status == "PAIR",
            "split_rw": self.status in ("PAIR", "PSUS", "PSUE"),  # on a split pair: mode only
            "delete": self.status != "SMPL",
            "resync": self.status in ("PSUS", "PSUE"),
            "restore": self.status == "PSUS",
            "swap": self.status in ("PSUS", "PAIR") and not snap,  # CCI: -swaps from PAIR too
        }[op]
        if allowed and not (op == "split_rw" and self.status != "PAIR"):
            self.status = {"create": "PAIR", "split": "PSUS", "split_rw": "PSUS", "delete": "SMPL",
                           "resync": "PAIR", "restore": "PAIR", "swap": "PAIR"}[op]
        return allowed


def run(storage: SimulatedStorage, vol: VolumeRef, other: VolumeRef, copy_type: str, mu: str, op: str):
    if op == "create":
        return storage.paircreate(vol, other, CopyType(copy_type), mu)
    if op in ("split", "split_rw", "delete"):
        return storage.pairsplit(vol, mu, read_write=op == "split_rw", simplex=op == "delete")
    return storage.pairresync(vol, mu, restore=op == "restore", swaps=op == "swap")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(copy_type=st.sampled_from(["SI", "TI", "TC"]), ops=st.lists(st.sampled_from(OPS), max_size=14))
def test_array_agrees_with_the_reference_model(tmp_path_factory, copy_type, ops):
    storage = SimulatedStorage(tmp_path_factory.mktemp("arrays"))
    a, b = VolumeRef(serial="1", ldev=1), VolumeRef(serial="1" if copy_type != "TC" else "2", ldev=2)
    for vol in (a, b):
        storage.define_array(vol.serial)
        storage.create_ldev(vol, 1 << 20)
    write_tree(storage.data_dir(a), {"f": b"first", "d/g": os.urandom(3000)})
    mu = "" if copy_type == "TC" else "0"
    model = Model(copy_type)
    for step, op in enumerate(ops):
        if op == "write":
            record = storage.pairdisplay(a, mu)
            primary = record.pvol if record else a
            (storage.data_dir(primary) / f"w{step}").write_bytes(os.urandom(100))
            continue
        if op == "fail_next":
            storage.faults.fail_next()
            model.fail_pending = True
            continue
        was_pair = model.status == "PAIR"
        expected_ok = model.apply(op)
        try:
            run(storage, a, b, copy_type, mu, op)
            ok = True
        except CciError:
            ok = False
        assert ok == expected_ok, (op, model.status)
        if model.status == "PAIR":
            storage.pairevtwait(a, mu, "PAIR", 10)
        record = storage.pairdisplay(a, mu)
        assert (record.status.value if record else "SMPL") == model.status, op
        if ok and was_pair and op == "swap":  # the swap synced first: nothing was lost
            storage.pairevtwait(a, mu, "PAIR", 10)
            record = storage.pairdisplay(a, mu)
            storage.pairsplit(a, mu)
            assert tree_state(storage.data_dir(record.pvol)) == tree_state(storage.data_dir(record.svol))
            storage.pairresync(a, mu)
            storage.pairevtwait(a, mu, "PAIR", 10)
        if ok and was_pair and op in ("split", "split_rw") and copy_type != "TI":
            assert tree_state(storage.data_dir(record.pvol)) == tree_state(storage.data_dir(record.svol))
    storage.wait_idle(10)
