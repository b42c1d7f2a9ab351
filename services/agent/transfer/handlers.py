"""Handlers of the catalog transfer (``events.transfer``) and of ``drmfsbackup``'s
``-s <host> -auto_import``.

- ``ExportBackup``: the entry as a sealed export document (the CLI writes the file); records
  ``BackupExported`` with the hash and seq of the event that recorded the entry.
- ``ImportBackup``: checks the document again (a CLI is not trusted to have done it), then
  imports per ``transfer.decide``; ``mount_point`` (``-auto_mount``) needs the mount commands.
- ``with_auto_import(backup)`` wraps the file-system backup handler (``BackupFileSystem``):
  with ``auto_import``, after the backup come the export, an ``ImportRequested`` intent
  (carrying the document), the ``ImportBackup`` command sent to the backup server's agent
  through the ``peers`` port without waiting for it, and ``ImportSent``. ``ResendImports`` (run
  at agent start) sends what a dead agent left unsent. The import's outcome goes to the backup
  command's ``reply_to`` (the CLI waits for it there, or reports it pending).
"""
from __future__ import annotations

from datetime import datetime, timezone

from events import CommandEnvelope
from events.base import Payload
from events.export_document import ExportDocument, ExportFileError, read_document, \
    seal_document
from events.export_document import FORMAT_VERSION, NOT_SIGNED
from events.fs_commands import BackupFileSystem
from events.transfer import (BackupExported, ExportBackup, ImportBackup, ImportRequested,
                             ResendImports)
from projections.host.transfer import unsent_imports
from services import messages
from services.agent.backup_server.handlers import mount
from services.agent.errors import CommandFailure, CommandRejection, reject
from services.agent.filesystem import handlers as fs_handlers
from services.agent.filesystem.decide import entry_of
from services.agent.plan import SendToPeer
from services.agent.runner import StepRunner
from services.agent.service import AgentContext, Handler
from services.agent.sqlserver.transfer import exported_details
from services.agent.transfer import decide
from services.agent.transfer.peers import peer_command_id
from services.trust import export_problem, signed_export

NO_PEERS = messages.NO_PEERS


def export_entry(context: AgentContext, backup_id: str) -> tuple[BackupExported, ExportDocument]:
    entry = entry_of(context.view, backup_id)
    source = context.store.read(context.host, after_seq=entry.recorded_seq - 1, limit=1)[0]
    details = exported_details(context.view.sql.for_entry(entry, context.host),  # issue 13
                               entry.original_id)
    document = seal_document(decide.entry_fields(entry), context.host, source.seq, source.hash,
                             context.clock(), details)
    document = signed_export(document, context.store.signer)
    return BackupExported(backup_id=backup_id, document_sha256=document.body_sha256,
                          source_event_seq=source.seq, source_event_hash=source.hash,
                          file_format_version=FORMAT_VERSION), document


def export_backup(command: ExportBackup, context: AgentContext) -> list[Payload]:
    exported, document = export_entry(context, command.backup_id)
    context.record([exported])
    return fs_handlers.completed(command, backup_id=command.backup_id,
                                 document=document.as_dict())


def import_backup(command: ImportBackup, context: AgentContext) -> list[Payload]:
    try:
        document = read_document(command.document)
    except ExportFileError as error:
        raise reject(error.detail, error.text) from None
    if problem := export_problem(context.ports.settings, document):
        raise reject(NOT_SIGNED, problem)
    fs_handlers.ensure_maps(context)
    plan = decide.plan_import(context.view, document)
    context.record(plan.events)
    imported = plan.imported
    data_dir = context.ports.data_dir
    result = dict(
        backup_id=imported.backup_id, original_id=imported.original_id,
        origin_host=imported.origin_host, source_host=imported.source_host,
        source_backup_id=imported.source_backup_id, copy_groups=list(imported.copy_groups),
        superseded=[d.backup_id for d in plan.superseded],
        dictionary=str(data_dir / "hosts" / context.host) if data_dir else "")
    if command.mount_point is not None:
        result["mount"] = mount_imported(context, imported.backup_id, command.mount_point)
    return fs_handlers.completed(command, **result)


def mount_imported(context: AgentContext, backup_id: str, mount_point: str) -> dict:
    """``-auto_mount [mp]``: mount the imported entry's S-VOLs (and lock their copy groups)
    as ``drmmount <backup-ID> [-mount_pt mp]`` does, within the import command. A refused or
    failed mount leaves the import recorded and fails the command with the mount's message."""
    try:
        done = mount(context, backup_id, None, mount_point or None)
    except CommandRejection as refused:  # the import stays: the command fails, not rejected
        raise CommandFailure(refused.message_id, f"the backup was imported as {backup_id}, "
                                                 f"but not mounted: {refused.text}") from None
    return {"backup_id": backup_id, "mounts": done["mounts"]}


def with_auto_import(backup: Handler) -> Handler:
    """``drmfsbackup -s <host> -auto_import``: ``backup`` (the file-system backup handler),
    then the export and the import sent to the backup server (see the module docstring)."""

    def backup_file_system(command: BackupFileSystem, context: AgentContext) -> list[Payload]:
        if command.auto_import:
            check_auto_import(command, context)
        outcome = backup(command, context)
        if not command.auto_import:
            return outcome
        result = dict(outcome[-1].result)
        result["import"] = auto_import(command, context, result["backup_id"])
        return fs_handlers.completed(command, **result)

    backup_file_system.__wrapped__ = backup  # type: ignore[attr-defined]
    return backup_file_system


def check_auto_import(command: BackupFileSystem, context: AgentContext) -> None:
    if context.ports.peers is None:
        raise reject(NO_PEERS, "this agent cannot reach other agents; -auto_import is not "
                               "available here")
    if command.backup_server.lower() == context.host.lower():
        raise reject(messages.BAD_COMMAND, f"-s names this host ({context.host}); the backup "
                                           "server is another host")


def auto_import(command: BackupFileSystem, context: AgentContext, backup_id: str) -> dict:
    """Export ``backup_id``, record the import intent, send it; what the outcome reports."""
    envelope = context.envelope
    exported, document = export_entry(context, backup_id)
    requested = ImportRequested(
        workflow_id=envelope.workflow_id, backup_id=backup_id,
        target_host=command.backup_server,
        command_id=peer_command_id(envelope.command_id, "auto-import"),
        document_sha256=document.body_sha256, document=document.as_dict(),
        mount_point=command.auto_mount)
    context.record([exported, requested])
    present = send_import(context, requested, envelope.reply_to, envelope.command_id)
    return {"host": command.backup_server, "command_id": requested.command_id,
            "consumer_present": present}


def send_import(context: AgentContext, requested: ImportRequested, reply_to: str | None,
                cause_id: str) -> bool:
    """Publish the import command of ``requested`` (a ``SendToPeer`` step), then record
    ``ImportSent``."""
    runner = StepRunner(context, requested.workflow_id)
    return runner.run(SendToPeer(requested, reply_to, cause_id))


def resend_imports(command: ResendImports, context: AgentContext) -> list[Payload]:
    """Recovery: every import requested but not known sent (the agent died between the intent
    and the send) is sent again with the same command id; the target does it at most once."""
    sent = []
    for workflow_id, command_id in unsent_imports(context.view):
        workflow = context.view.workflows[workflow_id]
        intent = next(e for e in context.store.read(context.host, workflow.started_seq - 1)
                      if e.type == "ImportRequested" and e.payload["command_id"] == command_id)
        send_import(context, ImportRequested.model_validate(intent.payload), None,
                    intent.command_id or context.envelope.command_id)
        sent.append(command_id)
    return fs_handlers.completed(command, resent=sent)


def recover_imports(agent) -> None:
    """Run ``ResendImports`` on ``agent`` when its view shows unsent imports."""
    if agent.ports.peers is None or not unsent_imports(agent.catch_up()):
        return
    agent.handle(CommandEnvelope(command=ResendImports(), target_host=agent.host,
                                 principal=f"recovery@{agent.host}",
                                 issued_at=datetime.now(timezone.utc)))


TRANSFER_COMMAND_HANDLERS = (
    (ExportBackup, export_backup),
    (ImportBackup, import_backup),
    (ResendImports, resend_imports),
)
