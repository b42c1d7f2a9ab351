"""``drm pg …`` / ``drmpg…`` command lines (issue 14): each builds its typed command, bad input
is a usage error before anything is sent, the layouts show what the agent answered."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.fuzzing import examples
from tests.unit.cli.fakes import FakeRunner, a_reply, completed, rejected

CHAIN = {"timeline": 1, "needed_from": "000000010000000000000002",
         "needed_to": "000000010000000000000003", "complete": False,
         "missing": ["000000010000000000000003"], "latest": "000000010000000000000002",
         "latest_timeline": 1, "gap": "000000010000000000000003", "diverged": "",
         "timelines": [1]}
ENTRY = {"backup_id": "0000000001", "cluster": "main", "mode": "ONLINE",
         "generation": "local_0", "copy_groups": ["VG01,VOL01"], "start_lsn": "0/2000028",
         "stop_lsn": "0/3000100", "timeline": 1, "start_wal": "000000010000000000000002",
         "stop_wal": "000000010000000000000003", "label_sha256": "a" * 64,
         "started_at": "2026-01-01T00:00:00+00:00", "ended_at": "2026-01-01T00:01:00+00:00",
         "comment": "", "consistency": "application-consistent", "chain": CHAIN}


def test_drm_pg_backup_and_drmpgbackup_send_the_same_command(run):
    for argv in (["pg", "backup", "main", "-mode", "cold", "-rc", "local_1"],
                 ["pgbackup", "main", "-mode", "cold", "-rc", "local_1"]):
        runner = FakeRunner(completed("BackupPgCluster", backup_id="0000000004"))
        ran = run(argv, runner)
        assert ran.code == 0 and "Backup ID = 0000000004" in ran.out
        assert runner.calls[0][0] == "BackupPgCluster"
        assert runner.calls[0][2] | {} == {"cluster": "main", "mode": "cold",
                                           "generation": "local_1", "comment": "", "fast": True}


def test_drm_pg_cat_l_shows_the_needed_wal_and_the_gap_before_any_restore(run):
    runner = FakeRunner(a_reply(entries=[ENTRY]))
    ran = run(["pg", "cat", "main", "-l", "0000000001"], runner)
    assert runner.calls[0][2] == {"cluster": "main", "backup_id": "0000000001", "chain": True}
    assert "000000010000000000000002 .. 000000010000000000000003" in ran.out
    assert "INCOMPLETE" in ran.out and "GAP: 000000010000000000000003" in ran.out


def test_drm_pg_logbackup_v_prints_the_list_file_format(run):
    chains = [{"original_id": "0000000001", "backup_id": "0000000001", "cluster": "main",
               "files": [{"path": "/l/000000010000000000000002"}]}]
    ran = run(["pglogbackup", "main", "-v"], FakeRunner(a_reply(chains=chains)))
    assert ran.lines[1:4] == ["# ORIGINAL-ID:0000000001", "BACKUP-ID:0000000001", "[main]"]


@pytest.mark.parametrize("argv, sent", [
    (["pgrecover", "main"], {"target": "latest", "target_value": ""}),
    (["pgrecover", "main", "-target", "immediate"], {"target": "immediate", "target_value": ""}),
    (["pgrecover", "main", "-time", "2026-12-05 03:00:00+00"],
     {"target": "time", "target_value": "2026-12-05 03:00:00+00"}),
    (["pgrecover", "main", "-lsn", "0/3000100"], {"target": "lsn", "target_value": "0/3000100"}),
    (["pgrecover", "main", "-name", "before_upgrade"],
     {"target": "name", "target_value": "before_upgrade"}),
])
def test_drm_pg_recover_targets(run, argv, sent):
    runner = FakeRunner(completed("RecoverPgCluster", timeline=2, lsn="0/3000100",
                                  reached_at=""))
    ran = run(argv, runner)
    assert ran.code == 0 and "timeline 2, LSN 0/3000100" in ran.out
    assert runner.calls[0][2] == {"cluster": "main", **sent}


@pytest.mark.parametrize("argv", [
    ["pgrecover", "main", "-time", "yesterday"], ["pgrecover", "main", "-lsn", "3000100"],
    ["pgrecover", "main", "-time", "2026-12-05 03:00:00", "-lsn", "0/1"],
    ["pgrestore", "0000000001"], ["pgrestore", "12", "-resync"], ["pgbackup", "../x"],
    ["pgcat", "main", "-l", "1"],
])
def test_bad_input_is_a_usage_error_and_sends_nothing(run, argv):
    runner = FakeRunner()
    ran = run(argv, runner)
    assert ran.code == 1 and runner.calls == [] and "KAVX0006-E" in ran.err


WORDS = ["main", "-time", "-lsn", "-name", "-target", "latest", "immediate", "0/3000100",
         "2026-12-05 03:00:00", "x" * 70, "\u0000", "-l", "0000000001", "-v", "-resync",
         "-mode", "cold", "-rc", "local_0", "-log_dir", "-label_dir", "/l", "--json", ""]


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operation=st.sampled_from(["init", "display", "backup", "cat", "logbackup", "restore",
                                  "recover"]),
       words=st.lists(st.sampled_from(WORDS), max_size=6))
def test_any_pg_command_line_exits_0_or_1_without_a_traceback(run, operation, words):
    class Refusing(FakeRunner):
        def call(self, command, host, timeout=30.0, progress=None):
            self.calls.append((command.name, host, command.arguments()))
            return rejected(command.name, "KAVX0006-E", "refused by the test")

    ran = run(["pg", operation, *words], Refusing())
    assert ran.code in (0, 1) and "Traceback" not in ran.err
