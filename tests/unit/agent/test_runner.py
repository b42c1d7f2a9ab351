"""The one step runner: intent, port call, outcome; a failed step records its failure, stops the
plan and mounts again what the plan took down."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from adapters.storage.errors import StorageError
from events.maps import CopyGroupMap
from services.agent.plan import Mount, Split, Unmount
from services.agent.runner import StepFailed, StepRunner

GROUP = CopyGroupMap(copy_group="VG01,VOL01", copy_type="SI", copy_func="ShadowImage", mu="0",
                     generation="local_0", role="P-VOL", pvol="410001:256", svol="410001:257")


class ScriptedStorage:
    """A storage port that logs its calls and fails the operations named in ``failing``."""

    def __init__(self, *failing: str) -> None:
        self.calls: list[str] = []
        self.failing = set(failing)

    def _call(self, what: str):
        self.calls.append(what)
        if what in self.failing:
            raise StorageError(f"{what} refused")

    def unmount(self, mount_point: Path) -> None:
        self._call(f"unmount {mount_point}")

    def mount(self, volume, mount_point: Path, read_only=None) -> bool:
        self._call(f"mount {mount_point}")
        return False

    def pairsplit(self, volume, mu: str = "", **kwargs):
        self._call(f"split {mu}")

    def pairdisplay(self, volume, mu: str = ""):
        return None


def a_runner(storage):
    recorded: list = []
    context = SimpleNamespace(ports=SimpleNamespace(storage=storage), record=recorded.extend,
                              progress=lambda text: None)
    return StepRunner(context, "wf-1"), recorded


def test_a_step_records_its_intent_before_the_call_and_its_outcome_after():
    storage = ScriptedStorage()
    runner, recorded = a_runner(storage)
    runner.run(Split(GROUP))
    assert [type(e).__name__ for e in recorded] == ["PairSplitRequested", "PairSplit"]
    assert storage.calls == ["split 0"]


def test_a_failed_step_records_its_failure_and_raises_with_the_step_name():
    runner, recorded = a_runner(ScriptedStorage("split 0"))
    with pytest.raises(StepFailed) as failed:
        runner.run(Split(GROUP))
    assert failed.value.step == "split VG01,VOL01"
    assert [type(e).__name__ for e in recorded] == ["PairSplitRequested", "PairStepFailed"]


def test_a_failed_plan_mounts_again_what_it_took_down():
    storage = ScriptedStorage("split 0")
    runner, recorded = a_runner(storage)
    with pytest.raises(StepFailed):
        runner.run_plan([Unmount("/mnt/fs1", "410001:256"), Split(GROUP),
                         Mount("/mnt/fs1", "410001:256")])
    assert storage.calls == ["unmount /mnt/fs1", "split 0", "mount /mnt/fs1"]
    assert type(recorded[-1]).__name__ == "VolumeMounted"


def test_every_mount_of_a_plan_runs_even_after_one_failed():
    storage = ScriptedStorage("mount /a")
    runner, _ = a_runner(storage)
    with pytest.raises(StepFailed, match="remount /a"):
        runner.run_plan([Mount("/a", "1:1"), Mount("/b", "1:2")])
    assert storage.calls == ["mount /a", "mount /b"]
