"""Worked example E (local site <-> remote site over TrueCopy) with the extended commands, the
FTP transfer and CCI's, agents in-process, in the manual's order (spec 04 §15.1, §15.3, §15.4)."""
from __future__ import annotations

from tests.e2e.ex_remote_story import check_example_e, run_example_e, set_up


def test_worked_example_e_with_extended_commands(embedded_cli, tmp_path):
    set_up(embedded_cli, tmp_path)
    check_example_e(run_example_e(embedded_cli))
