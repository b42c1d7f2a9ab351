"""Any command line exits 0 or 1 and never escapes as a traceback (spec 08 §1.1)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from services.cli import table
from tests.fuzzing import examples
from tests.unit.cli.fakes import FakeRunner, rejected

WORDS = ["-mode", "--mode", "cold", "online", "-rc", "-comment", "-backup_id", "--backup-id",
         "0000000001", "12", "-copy_group", "VG01,VOL01", "-target", "/mnt/fs1", "-f",
         "-delete", "-resync", "-force", "-refresh", "-cf", "-v", "-i", "-u", "-l", "-o",
         "FILESYSTEM", "-product", "NBU", "-retention_days", "7", "-s", "BKServer",
         "-auto_import", "-auto_mount", "--timeout", "x", "--json", "-script", "", "--"]
AGENT_COMMANDS = [name for name, where in table.ENTRIES.items()
                  if where.partition(":")[0] not in ("services.cli.report", "services.cli.audit",
                                                     "services.cli.agent", "services.cli.log",
                                                     "services.cli.lab",
                                                     "services.cli.lineage",
                                                     "services.cli.pairdisplay",
                                                     "services.cli.trust",
                                                     "services.cli.lab_credentials")]


class RefusingRunner(FakeRunner):
    """Refuses whatever is sent: the command line ran as far as the agent."""

    def call(self, command, host, timeout=30.0, progress=None):
        self.calls.append((command.name, host, command.arguments()))
        return rejected(command.name, "KAVX0006-E", "refused by the test")


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(AGENT_COMMANDS), words=st.lists(st.sampled_from(WORDS),
                                                               max_size=6))
def test_every_command_line_exits_0_or_1(run, command, words):
    ran = run([command, *words], RefusingRunner())
    assert ran.code in (0, 1)
    assert "Traceback" not in ran.err
    if ran.code == 1:
        assert "KAVX0006-E" in ran.err or "KAVX0024-E" in ran.err
