"""The freeze bench's ``--cases`` parser (bench/sql_freeze_bench.py): the documented form is
read, anything else is a clear argparse error and never another exception."""
from __future__ import annotations

import argparse

import pytest
from hypothesis import given, settings, strategies as st

from bench.sql_freeze_bench import parse_cases, share
from tests.fuzzing import examples


def test_the_issues_cases_are_read():
    assert parse_cases("1x100,16x100,64x100,4x1024") == [
        (1, 100.0), (16, 100.0), (64, 100.0), (4, 1024.0)]
    assert parse_cases("4x40.96") == [(4, 40.96)]


@pytest.mark.parametrize("text", ["", "0x100", "65x1", "16x0", "16x", "x100", "16*100",
                                  "16x1e9", "-1x5", "16x100,", "1x100000000"])
def test_bad_cases_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_cases(text)


@pytest.mark.parametrize("text", ["0", "1.5", "-0.1", "nan"])
def test_a_changed_share_outside_0_1_is_refused(text):
    with pytest.raises((argparse.ArgumentTypeError, ValueError)):
        share(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_read_or_refused_cleanly(text):
    try:
        cases = parse_cases(text)
    except argparse.ArgumentTypeError:
        return
    assert all(1 <= n <= 64 and 0 < size <= 65536 for n, size in cases)
