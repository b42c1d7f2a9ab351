"""drmsqlbackup -script: the user script's sections where the manual puts them (issue 13):
RESYNC_PROC after the resync, SPLIT_PROC while the databases are frozen, FINISH_PROC after
the entry; a SPLIT_PROC that stops thaws, aborts and records no entry."""
from __future__ import annotations

from services.cli.user_script import parse_script
from tests.fs_lab import command
from tests.integration.sql.test_sql_backup import INSTANCE, init, refused, result

SCRIPT = """LOCAL_BACKUP=YES
[RESYNC_PROC]
[CMD]
CMDLINE=/usr/bin/true
[SPLIT_PROC]
[CMD]
CMDLINE={split}
[FINISH_PROC]
[CMD]
CMDLINE=/usr/bin/true
END_CODE=IGNORE
"""


def backup_with(agent, split: str):
    script = parse_script(SCRIPT.format(split=split).encode())
    return agent.handle(command("BackupSqlServer", instance=INSTANCE,
                                script=script.model_dump(mode="json")))


def steps(agent) -> list[str]:
    found = []
    for event in agent.store.read(agent.host):
        if event.type == "UserScriptCommandStarted":
            found.append(event.payload["section"])
        elif event.type in ("PairResynced", "ApplicationFrozen", "PairSplit",
                            "ApplicationThawed", "BackupRecorded", "BackupAborted"):
            found.append(event.type)
    return found


def test_the_sections_run_around_the_freeze(agent):
    """(The pairs are in PAIR already: the lab made them so; no resync is recorded.)"""
    init(agent)
    done = result(backup_with(agent, "/usr/bin/true"))
    assert steps(agent) == ["RESYNC_PROC", "ApplicationFrozen", "SPLIT_PROC",
                            "PairSplit", "ApplicationThawed", "BackupRecorded", "FINISH_PROC"]
    assert [s["name"] for s in done["script_sections"]] == ["RESYNC_PROC", "SPLIT_PROC",
                                                            "FINISH_PROC"]


def test_a_split_proc_that_stops_thaws_and_records_no_entry(agent, engine):
    init(agent)
    refused(backup_with(agent, "/usr/bin/false"), "DRM-10604")
    assert steps(agent)[-2:] == ["ApplicationThawed", "BackupAborted"]
    assert engine.frozen() == () and agent.view.catalog == {}


def test_local_backup_no_is_refused(agent):
    init(agent)
    script = parse_script(b"LOCAL_BACKUP=NO\n[POST_PROC]\n[CMD]\nCMDLINE=/usr/bin/true\n")
    refused(agent.handle(command("BackupSqlServer", instance=INSTANCE,
                                 script=script.model_dump(mode="json"))), "DRM-10603")
