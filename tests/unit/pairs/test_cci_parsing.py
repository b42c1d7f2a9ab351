"""The CCI options of the CLI, fuzzed: any -I value, status list or timeout gives a typed
command or a CCI/usage error (never a traceback), and nothing is sent before that."""
from __future__ import annotations

import argparse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.pair_commands import ResyncPair, SplitPair, WaitPairEvent
from services.cli.cci import selection
from services.cli.errors import CliError
from services.cli.pairs import resync_request, split_request, wait_request
from tests.fuzzing import EXTREME_TEXT, examples


def namespace(**values) -> argparse.Namespace:
    base = dict(group="TC01", device=None, instance=None, r=False, rw=False, S=False, E=False,
                FBC=None, l=False, status=None, svol_status=None, wait=None, nowait=False,
                nowaits=False, timeout=600.0)
    return argparse.Namespace(**{**base, **values})


@settings(max_examples=examples(200), deadline=None)
@given(value=st.one_of(EXTREME_TEXT, st.from_regex(r"(H|TC|M|SI|h|x)?\d{0,6}", fullmatch=True)))
def test_any_instance_text_is_a_selection_or_an_invalid_argument(value):
    try:
        chosen = selection(namespace(instance=value))
    except CliError as error:
        assert error.exit_code == 253 and "[EX_INVARG]" in error.text
        return
    assert chosen["mode"] in (None, "TC", "SI")
    assert chosen["instance"] is None or 0 <= chosen["instance"] <= 2047


@settings(max_examples=examples(200), deadline=None)
@given(group=EXTREME_TEXT, device=st.one_of(st.none(), EXTREME_TEXT),
       flags=st.sets(st.sampled_from(["r", "rw", "S", "E"])))
def test_any_pairsplit_line_is_a_command_or_an_error(group, device, flags):
    try:
        command = split_request(namespace(group=group, device=device,
                                          **{f: True for f in flags}))
    except CliError as error:
        assert error.exit_code in (1, 253)
        return
    assert isinstance(command, SplitPair) and len(flags) <= 1


@settings(max_examples=examples(200), deadline=None)
@given(statuses=st.one_of(st.none(), st.lists(st.sampled_from(
           ["smpl", "copy", "pair", "psus", "ssus", "psue", "rcpy"]), max_size=9)),
       wait=st.one_of(st.none(), st.lists(st.floats(allow_nan=True), max_size=3)),
       nowait=st.booleans())
def test_any_pairevtwait_line_is_a_command_or_an_error(statuses, wait, nowait):
    try:
        command = wait_request(namespace(status=statuses, wait=wait, nowait=nowait))
    except CliError as error:
        assert error.exit_code in (1, 253)
        return
    assert isinstance(command, WaitPairEvent)
    assert command.timeout is None or 0 <= command.timeout <= 86_400


# -- copy pace and pairevtwait -t: CCI's EX_INVARG (hostile finding: KAVX0006-E, exit 1) -----------
@pytest.mark.parametrize("argv", [
    ["paircreate", "-g", "TC01", "-vl", "-c", "16"], ["paircreate", "-g", "TC01", "-vl", "-c", "0"],
    ["paircreate", "-g", "TC01", "-vl", "-c", "x"], ["pairresync", "-g", "TC01", "-c", "99"],
    ["pairresync", "-g", "TC01", "-c", "\uff13"], ["pairevtwait", "-g", "TC01", "-s", "pair",
                                                   "-t", "86401"],
    ["pairevtwait", "-g", "TC01", "-s", "pair", "-t", "-5"],
    ["pairevtwait", "-g", "TC01", "-s", "pair", "-t", "nan"],
    ["pairevtwait", "-g", "TC01", "-s", "pair", "-t", "5", "inf"]])
def test_an_out_of_range_pace_or_timeout_exits_with_ex_invarg(argv, capsys):
    """Refused before anything is sent (no broker is asked), as CCI refuses a bad argument."""
    from services.cli.main import main

    assert main(argv) == 253
    out = capsys.readouterr()
    assert "[EX_INVARG]" in out.out + out.err and "KAVX0006-E" not in out.out + out.err


@settings(max_examples=examples(200), deadline=None)
@given(value=st.one_of(EXTREME_TEXT, st.integers(-5, 40).map(str),
                       st.sampled_from(["3", "15", "1", " 3", "3.0", "1_0", "\u0663"])),
       restore=st.booleans())
def test_any_pace_is_a_command_with_it_or_an_invalid_argument(value, restore):
    try:
        command = resync_request(namespace(pace=value, restore=restore, swaps=False,
                                           swapp=False))
    except CliError as error:
        assert error.exit_code == 253 and "[EX_INVARG]" in error.text
        assert not (value.isascii() and value.isdigit() and 1 <= int(value) <= 15)
        return
    assert isinstance(command, ResyncPair) and command.pace == int(value)
    assert value.isascii() and value.isdigit() and 1 <= command.pace <= 15


@settings(max_examples=examples(200), deadline=None)
@given(wait=st.lists(st.one_of(EXTREME_TEXT, st.floats().map(str),
                               st.integers(-10, 90_000).map(str)), min_size=1, max_size=2))
def test_any_timeout_text_is_a_wait_within_a_day_or_an_invalid_argument(wait):
    try:
        command = wait_request(namespace(status=["pair"], wait=wait))
    except CliError as error:
        assert error.exit_code == 253 and "[EX_INVARG]" in error.text
        return
    assert 0 <= command.timeout <= 86_400 and command.timeout == float(wait[0])
