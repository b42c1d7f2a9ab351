"""Random sequences of CCI commands from two hosts on the TrueCopy pair TC01, through their
agents on the simulated arrays, against a small reference model of CCI's documented behaviour
(ADR 0009): what is done, what is accepted and left alone, what is refused with EX_INVSTP or
EX_INVMOD; the status and the P-VOL after each command; each host's view agrees with the array
after its own command (changes by the other host observed, never overwritten)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.storage.base import VolumeRef
from tests.fs_lab import command, init_example_lab
from tests.fuzzing import examples
from tests.integration.pairs.conftest import agent_for

FS_VOL, BK_VOL = "410001:256", "410002:512"
MINE = {"FSServer": FS_VOL, "BKServer": BK_VOL}
OPS = [("SplitPair", {"option": o}) for o in ("", "rw", "S", "E")] + \
      [("ResyncPair", {"restore": True}), ("ResyncPair", {})] + \
      [("ResyncPair", {"swap": s}) for s in ("swaps", "swapp")] + \
      [("CreatePair", {"primary": p}) for p in ("local", "remote")] + [("TakeOverPair", {})]


class Model:
    """CCI's behaviour on one TrueCopy pair whose copies end before the next command."""

    def __init__(self) -> None:
        self.status, self.pvol, self.rw = "PAIR", FS_VOL, False

    def apply(self, host: str, name: str, args: dict) -> str:
        """``done``, ``noop`` or the CCI error; the model changes as the array must."""
        s, mine = self.status, MINE[host]
        other = BK_VOL if mine == FS_VOL else FS_VOL
        if name == "SplitPair":
            option = args["option"]
            if option == "S":
                return "noop" if s == "SMPL" else self._set("SMPL")
            if option == "E":
                return "EX_INVSTP" if s == "SMPL" else self._set("PSUE")
            if option == "rw" and s in ("PSUS", "PSUE"):
                if self.rw:
                    return "noop"
                self.rw = True
                return "done"
            if s == "PSUS":
                return "noop"
            if s != "PAIR":
                return "EX_INVSTP"
            self.rw = option == "rw"
            return self._set("PSUS")
        if name == "CreatePair":
            if s == "PAIR":
                return "noop"
            if s != "SMPL":
                return "EX_INVSTP"
            self.pvol = mine if args["primary"] == "local" else other
            return self._set("PAIR")
        if name == "ResyncPair" and args.get("restore"):
            return "noop" if s == "PAIR" else "done" if self._ok(s == "PSUS") else "EX_INVSTP"
        if name == "ResyncPair" and not args.get("swap"):
            return "noop" if s == "PAIR" else "done" if self._ok(s in ("PSUS", "PSUE")) \
                else "EX_INVSTP"
        swap = args.get("swap", "takeover")
        if s != "SMPL" and ((swap in ("swaps", "takeover") and self.pvol == mine)
                            or (swap == "swapp" and self.pvol != mine)):
            return "noop"
        if s not in ("PAIR", "PSUS"):
            return "EX_INVSTP"
        self.pvol = BK_VOL if self.pvol == FS_VOL else FS_VOL
        return self._set("PAIR")

    def _ok(self, allowed: bool) -> bool:
        if allowed:
            self._set("PAIR")
        return allowed

    def _set(self, status: str) -> str:
        self.status = status
        if status in ("SMPL", "PAIR"):
            self.rw = False
        return "done"


def outcome_kind(outcome) -> str:
    if outcome.type == "CommandCompleted":
        pairs = outcome.payload["result"]["pairs"]
        return "done" if pairs[0]["done"] else "noop"
    text = outcome.payload["text"]
    return text[text.index("[") + 1:text.index("]")]


def ref(text: str) -> VolumeRef:
    serial, _, ldev = text.partition(":")
    return VolumeRef(serial=serial, ldev=int(ldev))


@settings(max_examples=examples(12), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(["FSServer", "BKServer"]),
                                st.sampled_from(range(len(OPS)))), min_size=1, max_size=8))
def test_cci_commands_agree_with_the_reference_model(steps):
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        init_example_lab(data_dir)
        agents = {host: agent_for(data_dir, host) for host in MINE}
        model = Model()
        for host, index in steps:
            name, args = OPS[index]
            agent = agents[host]
            expected = model.apply(host, name, dict(args))
            outcome = agent.handle(command(name, host=host, group="TC01", **args))
            assert outcome_kind(outcome) == expected, (host, name, args, outcome.payload)
            for each in agents.values():
                each.ports.storage.wait_idle(30)
            record = agent.ports.storage.pairdisplay(ref(FS_VOL), "")
            assert (record.status.value if record else "SMPL") == model.status, (name, args)
            if record is not None:
                assert str(record.pvol) == model.pvol, (name, args)
                assert (record.svol_mode == "rw") == model.rw or model.status != "PSUS"
            if expected != "EX_INVSTP" and outcome.type == "CommandCompleted":
                agent.handle(command("WaitPairEvent", host=host, group="TC01", nowait=True))
                assert agent.view.copy_groups["TC01,VOL01"].status == model.status
        for each in agents.values():
            each.ports.storage.wait_idle(30)
