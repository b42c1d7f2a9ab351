"""The application plan steps (``plan.Freeze``, ``plan.Thaw``) as the ``StepRunner`` runs them.

``freeze``: ``FreezeRequested`` (intent), ``ApplicationPort.freeze``, ``ApplicationFrozen``
(outcome, with the metadata files), or ``FreezeFailed(step="freeze")``. The held ``Freeze`` is
kept on the runner (``runner.holds``) for the matching ``thaw``: ``ApplicationPort.thaw``,
then ``ApplicationThawed``, or ``FreezeFailed(step="thaw")`` when the instance had already let
go (``frozen-timeout``: the copy cannot be vouched for) or the call failed. Either way the
hold is gone from ``runner.holds``; ``StepRunner.run_plan`` thaws every hold still there when a
later step fails. A host without the application fails the step (``ApplicationError``
``not-found``) before recording anything.
"""
from __future__ import annotations

from events import application as app
from services.agent.application_port import ApplicationError, ApplicationPort, Metadata
from services.agent.plan import Freeze, Thaw
from services.agent.step_errors import StepFailed

ERRORS = (ApplicationError, OSError)


def metadata_files(found) -> tuple[app.MetadataFile, ...]:
    return tuple(app.MetadataFile(database=m.database, path=str(m.path), size=m.size,
                                  sha256=m.sha256) for m in found)


def step_failed(name: str, text: str, reason: str) -> StepFailed:
    return StepFailed(name, ApplicationError(text, reason=reason))


def port_of(runner, kind: str) -> ApplicationPort:
    port = runner.context.ports.application(kind)
    if port is None:
        raise step_failed(f"freeze {kind}", f"this host has no {kind} application", "not-found")
    return port


def _failure(runner, kind: str, instance: str, databases, step: str):
    def failed(error: Exception):
        return [app.FreezeFailed(workflow_id=runner.workflow_id, kind=kind, instance=instance,
                                 databases=databases, step=step,
                                 reason=getattr(error, "reason", "io")[:64],
                                 error=str(error)[:2048])]
    return failed


def freeze(runner, planned: Freeze) -> tuple[Metadata, ...]:
    port, wf = port_of(runner, planned.kind), runner.workflow_id
    databases = tuple(planned.databases)

    def outcome(result):
        held, metadata = result
        return [app.ApplicationFrozen(
            workflow_id=wf, kind=planned.kind, instance=planned.instance, databases=databases,
            token=held.token, frozen_at=held.frozen_at, timeout=held.timeout,
            metadata=metadata_files(metadata))]

    held, metadata = runner.step(
        f"freeze {planned.instance}",
        [app.FreezeRequested(workflow_id=wf, kind=planned.kind, instance=planned.instance,
                             databases=databases, timeout=planned.timeout,
                             metadata_dir=str(planned.metadata_dir or ""),
                             backup_id=planned.backup_id)],
        lambda: port.freeze(planned.instance, databases, planned.timeout,
                            planned.metadata_dir, planned.backup_id, **dict(planned.options)),
        outcome, _failure(runner, planned.kind, planned.instance, databases, "freeze"),
        errors=ERRORS)
    runner.holds[(planned.kind, planned.instance.lower())] = held
    runner.application_metadata.extend(metadata)
    return metadata


def thaw(runner, planned: Thaw) -> tuple[Metadata, ...]:
    """Thaw the hold of ``planned``'s instance; a plan without one fails the step."""
    port, wf = port_of(runner, planned.kind), runner.workflow_id
    held = runner.holds.pop((planned.kind, planned.instance.lower()), None)
    if held is None:
        raise step_failed(f"thaw {planned.instance}",
                          f"no freeze of {planned.instance} is held by this workflow", "state")
    databases = tuple(held.databases)
    extra = runner.step(
        f"thaw {planned.instance}", [], lambda: port.thaw(held),
        lambda extra: [app.ApplicationThawed(
            workflow_id=wf, kind=planned.kind, instance=held.instance, databases=databases,
            metadata=metadata_files(extra))],
        _failure(runner, planned.kind, held.instance, databases, "thaw"), errors=ERRORS)
    runner.application_metadata.extend(extra)
    return extra


def thaw_all(runner) -> None:
    """Compensation: thaw every hold still on ``runner`` (a failed thaw is recorded and left:
    the instance lets go by itself at its timeout; recovery needs nothing more)."""
    for kind, instance in list(runner.holds):
        try:
            thaw(runner, Thaw(kind, instance))
        except StepFailed:
            pass
