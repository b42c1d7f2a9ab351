"""Worked example E (local site <-> remote site over TrueCopy) with the basic and CCI console
commands, every host's agent in the command's process (the replay of both hosts' streams is
checked by the distributed test)."""
from __future__ import annotations

from tests.e2e.remote_site_story import check_example_e, run_example_e


def test_worked_example_e_backup_to_the_remote_site_restore_there_and_come_back(embedded_cli,
                                                                                 tmp_path):
    embedded_cli.run("lab", "init", "--example", check=True)
    check_example_e(run_example_e(embedded_cli, tmp_path))
