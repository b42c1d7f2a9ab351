"""One user script command as a step of the ``StepRunner``: ``UserScriptCommandStarted``, the
run (``ports.scripts`` here, ``ports.remote_scripts`` for ``LOCATION=REMOTE``), then
``UserScriptCommandEnded`` with the return value, the timeout and whether it stops the section.

The command's environment is the agent's, with its ``ENV=`` entries applied (an empty value
deletes the variable; ``%`` is never expanded), the ``DRMENV_*`` values on top and
``product_environment`` (a ``drmmount`` in a ``REMOTE`` command mounts on the backup server,
as it would run there, through that host's store: the agent is busy waiting for the command).
"""
from __future__ import annotations

import uuid

from events import CommandEnvelope
from events.extended import RunRemoteScriptCommand
from events.user_script import MAX_OUTPUT, UserScriptCommandEnded, UserScriptCommandStarted
from services.agent.ports import ScriptError, ScriptResult


def command_environment(base: dict[str, str], entries, drmenv) -> dict[str, str]:
    env = dict(base)
    for name, value in entries:
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    env.update(dict(drmenv))
    return env


def product_environment(host: str) -> dict[str, str]:
    """What a product command in a script command needs to act on ``host`` as if run there:
    its name, and the embedded mode, so that it works on the host's store beside the agent
    (serialized with it by the command slot) instead of queueing behind the command that is
    waiting for it."""
    return {"DRM_HOSTNAME": host, "DRM_BROKER_URL": "memory://"}


def run_script_command(runner, planned) -> ScriptResult:
    """See the module docstring; the runner raises ``StepFailed`` when it could not run."""
    from services.settings import child_environment

    context, wf, command = runner.context, runner.workflow_id, planned.command
    remote = planned.remote_host

    def call() -> ScriptResult:
        if remote is None:
            if context.ports.scripts is None:
                raise ScriptError("this agent has no script runner")
            env = command_environment(child_environment(), command.env, planned.drmenv)
            env.update(product_environment(context.host))
            return context.ports.scripts.run(command.argv, env, command.timeout)
        if context.ports.remote_scripts is None:
            raise ScriptError("this agent cannot reach other agents")
        return context.ports.remote_scripts.run(remote_envelope(context, wf, planned))

    def ended(result: ScriptResult):
        return [UserScriptCommandEnded(
            workflow_id=wf, section=planned.section, index=planned.index,
            return_code=result.return_code, timed_out=result.timed_out, nowait=result.nowait,
            stops=command.stops(result.return_code, result.timed_out),
            output=result.output[-MAX_OUTPUT:])]

    def failed(error: Exception):
        return [UserScriptCommandEnded(workflow_id=wf, section=planned.section,
                                       index=planned.index, return_code=-1,
                                       stops=command.end_code != "IGNORE",
                                       output=str(error)[-MAX_OUTPUT:])]

    started = UserScriptCommandStarted(
        workflow_id=wf, section=planned.section, index=planned.index,
        location=command.location, host=remote or context.host, cmdline=command.cmdline)
    context.progress(f"{planned.section} [{planned.index}] {remote or 'LOCAL'}: "
                     f"{command.cmdline}")
    return runner.step(f"script {planned.section}[{planned.index}]", [started], call, ended,
                       failed, errors=(ScriptError,))


def remote_envelope(context, workflow_id: str, planned) -> CommandEnvelope:
    return CommandEnvelope(
        command_id=str(uuid.uuid4()), target_host=planned.remote_host,
        principal=f"agent@{context.host}", issued_at=context.clock(),
        correlation_id=workflow_id, causation_id=context.envelope.command_id,
        operation=context.envelope.operation,
        command=RunRemoteScriptCommand(
            workflow_id=workflow_id, section=planned.section, index=planned.index,
            command=planned.command, env=planned.drmenv,
            import_command_id=planned.import_command_id))
