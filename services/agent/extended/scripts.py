"""User scripts around a file-system backup (``-script``, spec 03 §5, spec 04 §14).

``with_user_script(handler)`` wraps the backup (itself wrapped by the auto-import): the
``[PRE_PROC]`` commands run before it, the ``[POST_PROC]`` commands after it (after the
auto-import and its mount, so a ``REMOTE`` command sees ``DRMENV_R_BACKUPID``). Every command
is a step of the ``StepRunner`` (``services.agent.scripting``); the backup's own plan keeps its
compensation, and no script command runs while a P-VOL is down or a pair is half split, so a
failing, hung (killed at its ``TIMEOUT``) or crashed script leaves the volumes as they were.

Rules (Table 3-59): commands run in order; one whose end ``stops`` (``END_CODE``) ends its
section; a ``[PRE_PROC]`` that stops means no backup, and the command fails (``DRM-10604``)
after the ``[POST_PROC]`` commands that run on error (``PARENT_STAT=ERROR|ANY``); a
``[POST_PROC]`` that stops fails the command too (the backup stays recorded). ``ERROR`` in
``[PRE_PROC]`` never runs; ``[RESYNC_PROC]``, ``[SPLIT_PROC]``, ``[FINISH_PROC]`` are ignored
for file systems. ``RunRemoteScriptCommand`` is the backup server's half.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from events.base import Payload
from events.extended import RunRemoteScriptCommand
from events.fs_commands import BackupFileSystem
from events.outcomes import CommandCompleted
from services import messages
from services.agent.errors import CommandRejection, failed, reject
from services.agent.plan import RunScriptCommand
from services.agent.runner import StepFailed, StepRunner
from services.agent.service import AgentContext


@dataclass
class SectionRun:
    name: str
    commands: list[dict] = field(default_factory=list)
    stopped: str = ""  # why the section stopped, "" when it ran to its end

    def shown(self) -> dict:
        return {"name": self.name, "commands": self.commands, "stopped": self.stopped}


def drmenv(command: BackupFileSystem, normal: bool, backup_id: str | None,
           remote: bool) -> tuple[tuple[str, str], ...]:
    values = [("DRMENV_COMMENT", command.comment),
              ("DRMENV_CMD_STAT", "NORMAL" if normal else "ERROR")]
    if normal and backup_id and not remote:
        values.append(("DRMENV_L_BACKUPID", backup_id))
    return tuple(values)


def section_commands(script, name: str) -> tuple:
    """The ``[CMD]``s of section ``name`` (issue 13: drmsqlbackup runs ``RESYNC_PROC``,
    ``SPLIT_PROC`` and ``FINISH_PROC`` too)."""
    return {"PRE_PROC": script.pre, "RESYNC_PROC": script.resync, "SPLIT_PROC": script.split,
            "FINISH_PROC": script.finish, "POST_PROC": script.post}[name]


def run_section(context: AgentContext, runner: StepRunner, command: BackupFileSystem,
                name: str, normal: bool, backup_id: str | None = None,
                import_id: str | None = None) -> SectionRun:
    script = command.script
    run = SectionRun(name)
    for index, step in enumerate(section_commands(script, name)):
        if not step.runs_when(normal):
            continue
        remote = step.location == "REMOTE"
        planned = RunScriptCommand(
            name, index, step, drmenv(command, normal, backup_id, remote),
            remote_host=command.backup_server if remote else None,
            import_command_id=import_id if remote and normal else None)
        shown = {"host": command.backup_server if remote else "LOCAL",
                 "cmdline": step.cmdline, "return_code": None}
        run.commands.append(shown)
        try:
            result = runner.run(planned)
        except StepFailed as error:
            shown["error"] = str(error.error)
            if step.end_code == "IGNORE":
                continue
            run.stopped = f"[CMD] {index + 1} ({step.cmdline}) could not run: {error.error}"
            break
        shown["return_code"] = result.return_code
        if step.stops(result.return_code, result.timed_out):
            how = "timed out" if result.timed_out else f"ended with {result.return_code}"
            run.stopped = f"[CMD] {index + 1} ({step.cmdline}) {how}"
            break
    return run


def with_user_script(handler):
    """``handler`` with the user script of its command around it (module docstring)."""

    def handle(command: BackupFileSystem, context: AgentContext) -> list[Payload]:
        if command.script is None:
            return handler(command, context)
        runner = StepRunner(context, context.envelope.workflow_id)
        pre = run_section(context, runner, command, "PRE_PROC", True)
        problem: CommandRejection | None = None
        payloads: list[Payload] = []
        if pre.stopped:
            problem = failed(messages.SCRIPT_FAILED, f"[PRE_PROC] stopped: {pre.stopped}; "
                                                     f"nothing was backed up")
        else:
            try:
                payloads = list(handler(command, context))
            except CommandRejection as error:
                problem = error
        result = dict(payloads[-1].result) if payloads and isinstance(
            payloads[-1], CommandCompleted) else {}
        imported = result.get("import") or {}
        post = run_section(context, runner, command, "POST_PROC", problem is None,
                           result.get("backup_id"), imported.get("command_id"))
        if problem is not None:
            raise problem
        result["script"] = {"pre": pre.shown(), "post": post.shown(),
                            "remote_host": command.backup_server if command.script.has_remote
                            else None}
        if post.stopped:
            raise failed(messages.SCRIPT_FAILED, f"[POST_PROC] stopped: {post.stopped}; the "
                                                 f"backup {result.get('backup_id')} is recorded")
        return [*payloads[:-1], CommandCompleted(command=command.name, result=result)]

    handle.__wrapped__ = handler  # type: ignore[attr-defined]
    return handle


# -- the backup server's half of LOCATION=REMOTE ---------------------------------------------------
def run_remote_script_command(command: RunRemoteScriptCommand,
                              context: AgentContext) -> list[Payload]:
    """Run a file server agent's ``LOCATION=REMOTE`` command here, for an authenticated
    agent only: the principal is ``agent@<a lab host>`` and the broker checked it (identities
    on) or the agents share this process (embedded)."""
    envelope, settings = context.envelope, context.ports.settings
    sender = envelope.principal.removeprefix("agent@")
    lab_hosts = {h.name for h in (context.ports.lab.hosts if context.ports.lab else ())}
    trusted = settings is None or settings.embedded or settings.identities
    if not envelope.principal.startswith("agent@") or sender not in lab_hosts or not trusted:
        raise reject(messages.REMOTE_REFUSED,
                     f"{envelope.principal} may not run user script commands here (an agent "
                     f"of the lab, authenticated by the broker, may)")
    env = dict(command.env)
    if command.import_command_id and env.get("DRMENV_CMD_STAT") == "NORMAL":
        outcome = context.store.outcome_of(command.import_command_id)
        if outcome is not None and outcome.type == "CommandCompleted":
            env["DRMENV_R_BACKUPID"] = outcome.payload["result"]["backup_id"]
    planned = RunScriptCommand(command.section, command.index, command.command,
                               tuple(env.items()))
    runner = StepRunner(context, command.workflow_id)
    try:
        result = runner.run(planned)
    except StepFailed as error:
        raise failed(messages.SCRIPT_FAILED, str(error.error)) from None
    return [CommandCompleted(command=command.name, result={
        "return_code": result.return_code, "timed_out": result.timed_out,
        "nowait": result.nowait, "output": result.output})]
