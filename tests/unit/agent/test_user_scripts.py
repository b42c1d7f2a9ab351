"""User scripts around a backup (Table 3-59): END_CODE, TIMEOUT (a hung command is killed),
NOWAIT, PARENT_STAT, the DRMENV_* variables, LOCATION=REMOTE through the remote port, and the
backup server's half refusing an unauthenticated sender. Real processes (``/bin/sh``), a real
SQLite store; the backup itself is a stand-in handler that records that it ran."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from adapters.scripts import ProcessScripts
from events import CommandEnvelope
from events.extended import OperationTag, RunRemoteScriptCommand
from events.fs_commands import BackupFileSystem
from events.outcomes import CommandCompleted
from events.user_script import ScriptCommand, UserScript
from services.agent.extended.scripts import run_remote_script_command, with_user_script
from services.agent.ports import AgentPorts, ScriptResult
from services.agent.service import HostAgent
from services.cli.user_script import parse_script


@pytest.fixture
def store(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    return SqlEventStore(engine)


class FakeRemote:
    """The backup server's agent, as the remote port reaches it: records each envelope."""

    def __init__(self, result: ScriptResult = ScriptResult(0)) -> None:
        self.sent, self.result = [], result

    def run(self, envelope) -> ScriptResult:
        self.sent.append(envelope)
        return self.result


def a_backup(ran: list):
    def backup(command, context):
        ran.append(command.comment)
        return [CommandCompleted(command=command.name, result={
            "backup_id": "0000000007", "import": {"host": "BKServer", "command_id":
                                                  "11111111-2222-3333-4444-555555555555"}})]
    return backup


def shell(tmp_path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def run_backup(store, script: UserScript, ran: list, remote=None, comment="c1"):
    agent = HostAgent("FSServer", store, {BackupFileSystem: with_user_script(a_backup(ran))},
                      AgentPorts(scripts=ProcessScripts(), remote_scripts=remote or FakeRemote()))
    command = BackupFileSystem(targets=("/mnt/E",), comment=comment, backup_server="BKServer",
                               auto_import=True, script=script)
    envelope = CommandEnvelope(command=command, target_host="FSServer", principal="t@lab",
                               issued_at=datetime.now(timezone.utc),
                               operation=OperationTag(operation_id="Op_A",
                                                      extended_command="EX_DRM_FS_BACKUP"))
    outcome = agent.handle(envelope)
    return outcome, [e for e in store.read("FSServer") if e.type.startswith("UserScript")]


def script_of(tmp_path, text: str) -> UserScript:
    return parse_script(("LOCAL_BACKUP=YES\n" + text).encode())


def test_a_pre_proc_command_ending_non_zero_stops_the_backup_and_runs_the_error_steps(
        store, tmp_path):
    log = tmp_path / "log"
    fail = shell(tmp_path, "fail.sh", "exit 3\n")
    note = shell(tmp_path, "note.sh", f'echo "$1 $DRMENV_CMD_STAT" >> "{log}"\n')
    script = script_of(tmp_path, f"[PRE_PROC]\n[CMD]\nCMDLINE={fail}\n[CMD]\nCMDLINE={note} pre\n"
                                 f"[POST_PROC]\n[CMD]\nCMDLINE={note} normal\n"
                                 f"[CMD]\nCMDLINE={note} error\nPARENT_STAT=ERROR\n"
                                 f"[CMD]\nCMDLINE={note} any\nPARENT_STAT=ANY\n")
    ran: list = []
    outcome, events = run_backup(store, script, ran)
    assert outcome.type == "CommandFailed" and "DRM-10604" in outcome.payload["text"]
    assert "[PRE_PROC] stopped" in outcome.payload["text"] and ran == []
    assert log.read_text() == "error ERROR\nany ERROR\n"
    ended = [e.payload for e in events if e.type == "UserScriptCommandEnded"]
    assert (ended[0]["return_code"], ended[0]["stops"]) == (3, True)


@pytest.mark.parametrize("end_code, code, stops", [("5", 5, False), ("5", 6, True),
                                                   ("IGNORE", 9, False), ("TERMINATE_NZ", 1, True),
                                                   ("TERMINATE_NZ", 0, False)])
def test_end_code_decides_whether_the_section_goes_on(store, tmp_path, end_code, code, stops):
    step = shell(tmp_path, "step.sh", f"exit {code}\n")
    script = script_of(tmp_path, f"[PRE_PROC]\n[CMD]\nCMDLINE={step}\nEND_CODE={end_code}\n")
    ran: list = []
    outcome, _ = run_backup(store, script, ran)
    assert (outcome.type == "CommandFailed") is stops and (ran == []) is stops


def test_a_hung_command_is_killed_at_its_timeout_and_ends_the_backup_unchanged(store, tmp_path):
    marker = tmp_path / "child-alive"
    hung = shell(tmp_path, "hung.sh", f'(sleep 30; touch "{marker}") &\nsleep 30\n')
    script = script_of(tmp_path, f"[PRE_PROC]\n[CMD]\nCMDLINE={hung}\nTIMEOUT=1\n")
    ran: list = []
    started = time.monotonic()
    outcome, events = run_backup(store, script, ran)
    assert time.monotonic() - started < 10
    assert outcome.type == "CommandFailed" and "timed out" in outcome.payload["text"]
    assert ran == []  # nothing was backed up: no pair or volume was touched
    ended = [e.payload for e in events if e.type == "UserScriptCommandEnded"][0]
    assert ended["timed_out"] and ended["stops"]
    time.sleep(0.5)
    assert not marker.exists()  # its whole process group was killed


def test_nowait_returns_zero_at_once_and_the_backup_goes_on(store, tmp_path):
    slow = shell(tmp_path, "slow.sh", "sleep 20\nexit 7\n")
    script = script_of(tmp_path, f"[PRE_PROC]\n[CMD]\nCMDLINE={slow}\nTIMEOUT=NOWAIT\n")
    ran: list = []
    started = time.monotonic()
    outcome, events = run_backup(store, script, ran)
    assert time.monotonic() - started < 10 and ran == ["c1"]
    assert outcome.type == "CommandCompleted"
    ended = [e.payload for e in events if e.type == "UserScriptCommandEnded"][0]
    assert (ended["return_code"], ended["nowait"]) == (0, True)


def test_post_proc_commands_see_the_drmenv_variables_and_their_own_env(store, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("GONE", "here")
    out = tmp_path / "env.txt"
    show = shell(tmp_path, "show.sh", f'echo "$DRMENV_L_BACKUPID|$DRMENV_COMMENT|'
                                      f'$DRMENV_CMD_STAT|$VAL|${{GONE-unset}}|$RAW" > "{out}"\n')
    script = script_of(tmp_path, f"[POST_PROC]\n[CMD]\nCMDLINE={show}\nENV=VAL=App\n"
                                 f"ENV=GONE=\nENV=RAW=%PATH%\n")
    outcome, _ = run_backup(store, script, [], comment="TEST1")
    assert outcome.type == "CommandCompleted"
    assert out.read_text() == "0000000007|TEST1|NORMAL|App|unset|%PATH%\n"
    post = outcome.payload["result"]["script"]["post"]
    assert post["commands"] == [{"host": "LOCAL", "cmdline": show, "return_code": 0}]


def test_a_remote_command_goes_to_the_backup_servers_agent_tagged_and_correlated(store,
                                                                                 tmp_path):
    remote = FakeRemote(ScriptResult(0, output="done"))
    script = script_of(tmp_path, "[POST_PROC]\n[CMD]\nCMDLINE=/bk/tapebackup.sh\n"
                                 "LOCATION=REMOTE\nTIMEOUT=NOWAIT\n")
    outcome, events = run_backup(store, script, [], remote)
    [sent] = remote.sent
    assert sent.target_host == "BKServer" and sent.principal == "agent@FSServer"
    assert sent.operation.operation_id == "Op_A"
    assert sent.correlation_id == outcome.correlation_id
    assert sent.command.import_command_id == "11111111-2222-3333-4444-555555555555"
    assert dict(sent.command.env)["DRMENV_CMD_STAT"] == "NORMAL"
    assert "DRMENV_L_BACKUPID" not in dict(sent.command.env)
    assert outcome.payload["result"]["script"]["remote_host"] == "BKServer"
    assert [e.payload["host"] for e in events if e.type == "UserScriptCommandStarted"] == \
        ["BKServer"]


def remote_command(principal: str) -> CommandEnvelope:
    return CommandEnvelope(
        command=RunRemoteScriptCommand(
            workflow_id="11111111-2222-3333-4444-555555555555", section="PRE_PROC", index=0,
            command=ScriptCommand(cmdline="/bin/true", argv=("/bin/true",))),
        target_host="BKServer", principal=principal, issued_at=datetime.now(timezone.utc))


@pytest.mark.parametrize("principal, identities, allowed", [
    ("agent@FSServer", True, True), ("agent@FSServer", False, False),
    ("someone@FSServer", True, False), ("agent@Elsewhere", True, False)])
def test_the_backup_server_runs_remote_commands_for_an_authenticated_lab_agent_only(
        store, principal, identities, allowed):
    lab = SimpleNamespace(name="lab", hosts=[SimpleNamespace(name="FSServer"),
                                             SimpleNamespace(name="BKServer")])
    settings = SimpleNamespace(embedded=False, identities=identities)
    agent = HostAgent("BKServer", store, {RunRemoteScriptCommand: run_remote_script_command},
                      AgentPorts(scripts=ProcessScripts(), lab=lab, settings=settings))
    outcome = agent.handle(remote_command(principal))
    assert (outcome.type == "CommandCompleted") is allowed
    if not allowed:
        assert "DRM-10605" in outcome.payload["text"]
