"""Handlers of the catalog transfer (``events.transfer``) and of ``drmfsbackup``'s
``-s <host> -auto_import``.

- ``ExportBackup``: the entry as a sealed export document (the CLI writes the file); records
  ``BackupExported`` with the hash and seq of the event that recorded the entry.
- ``ImportBackup``: checks the document again (a CLI is not trusted to have done it), then
  imports per ``transfer.decide``; ``mount_point`` (``-auto_mount``) needs the mount commands.
- ``BackupFileSystem`` with ``auto_import``: the file-system backup, then the export, an
  ``ImportRequested`` intent (carrying the document), the ``ImportBackup`` command sent to the
  backup server's agent through ``adapters["peers"]`` without waiting for it, and
  ``ImportSent``. ``ResendImports`` (run at agent start) sends what a dead agent left unsent. The import's outcome goes to the
  backup command's ``reply_to`` (the CLI waits for it there, or reports it pending).
"""
from __future__ import annotations

from datetime import datetime, timezone

from events import CommandEnvelope
from events.base import Payload
from events.export_document import ExportDocument, ExportFileError, read_document, \
    seal_document
from events.export_document import FORMAT_VERSION, NOT_SIGNED
from events.transfer import (BackupExported, ImportBackup, ImportRequested, ImportSent,
                             ResendImports)
from events.tape import MountSvol
from projections.host.transfer import unsent_imports
from services import messages
from services.agent.filesystem import handlers as fs_handlers
from services.agent.filesystem.decide import entry_of, reject
from services.agent.service import AgentContext, CommandFailure, CommandRejection
from services.agent.transfer import decide
from services.agent.transfer.peers import peer_command_id
from services.trust import export_problem, signed_export

NO_PEERS = messages.NO_PEERS


def parse(command: CommandEnvelope):
    """The typed command (validated with the envelope)."""
    return command.command


def export_entry(context: AgentContext, backup_id: str) -> tuple[BackupExported, ExportDocument]:
    entry = entry_of(context.view, backup_id)
    source = context.store.read(context.host, after_seq=entry.recorded_seq - 1, limit=1)[0]
    document = seal_document(decide.entry_fields(entry), context.host, source.seq, source.hash,
                             context.clock())
    document = signed_export(document, context.store.signer)
    return BackupExported(backup_id=backup_id, document_sha256=document.body_sha256,
                          source_event_seq=source.seq, source_event_hash=source.hash,
                          file_format_version=FORMAT_VERSION), document


def export_backup(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    args = parse(command)
    exported, document = export_entry(context, args.backup_id)
    context.record([exported])
    return fs_handlers.completed(command, backup_id=args.backup_id,
                                 document=document.as_dict())


def import_backup(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    args = parse(command)
    try:
        document = read_document(args.document)
    except ExportFileError as error:
        raise reject(error.detail, error.text) from None
    if problem := export_problem(context.adapters.get("settings"), document):
        raise reject(NOT_SIGNED, problem)
    fs_handlers.ensure_maps(context)
    plan = decide.plan_import(context.view, document)
    context.record(plan.events)
    imported = plan.imported
    data_dir = context.adapters.get("data_dir")
    result = dict(
        backup_id=imported.backup_id, original_id=imported.original_id,
        origin_host=imported.origin_host, source_host=imported.source_host,
        source_backup_id=imported.source_backup_id, copy_groups=list(imported.copy_groups),
        superseded=[d.backup_id for d in plan.superseded],
        dictionary=str(data_dir / "hosts" / context.host) if data_dir else "")
    if args.mount_point is not None:
        result["mount"] = mount_imported(command, context, imported.backup_id, args.mount_point)
    return fs_handlers.completed(command, **result)


def mount_imported(command: CommandEnvelope, context: AgentContext, backup_id: str,
                   mount_point: str) -> dict:
    """``-auto_mount [mp]``: mount the imported entry's S-VOLs (and lock their copy groups)
    as ``drmmount <backup-ID> [-mount_pt mp]`` does, within the import command. A refused or
    failed mount leaves the import recorded and fails the command with the mount's message."""
    from services.agent.backup_server.handlers import mount_svol

    mount = command.model_copy(update={"command": MountSvol(
        backup_id=backup_id, mount_point=mount_point or None)})
    try:
        outcome = mount_svol(mount, context)[-1]
    except CommandRejection as refused:  # the import stays: the command fails, not rejected
        raise CommandFailure(refused.message_id, f"the backup was imported as {backup_id}, "
                                                 f"but not mounted: {refused.text}") from None
    return {"backup_id": backup_id, "mounts": outcome.result.get("mounts", [])}


def backup_file_system(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    """``drmfsbackup``, with the auto-import when asked (see the module docstring)."""
    args = fs_handlers.parse(command)
    peers = context.adapters.get("peers")
    if args.auto_import and peers is None:
        raise reject(NO_PEERS, "this agent cannot reach other agents; -auto_import is not "
                               "available here")
    if args.auto_import and args.backup_server.lower() == context.host.lower():
        raise reject(messages.BAD_COMMAND, f"-s names this host ({context.host}); the backup "
                                           "server is another host")
    outcome = fs_handlers.backup_file_system(command, context)
    if not args.auto_import:
        return outcome
    result = dict(outcome[-1].result)
    exported, document = export_entry(context, result["backup_id"])
    requested = ImportRequested(
        workflow_id=command.workflow_id, backup_id=result["backup_id"],
        target_host=args.backup_server,
        command_id=peer_command_id(command.command_id, "auto-import"),
        document_sha256=document.body_sha256, document=document.as_dict(),
        mount_point=args.auto_mount)
    context.record([exported, requested])
    present = send_import(context, requested, command.reply_to, command.command_id)
    result["import"] = {"host": args.backup_server, "command_id": requested.command_id,
                        "consumer_present": present}
    return fs_handlers.completed(command, **result)


def send_import(context: AgentContext, requested: ImportRequested, reply_to: str | None,
                cause_id: str) -> bool:
    """Publish the import command of ``requested``, then record ``ImportSent``."""
    peer = CommandEnvelope(
        command_id=requested.command_id, target_host=requested.target_host,
        principal=f"agent@{context.host}", issued_at=context.clock(), reply_to=reply_to,
        correlation_id=requested.workflow_id, causation_id=cause_id,
        command=ImportBackup(document=requested.document, mount_point=requested.mount_point))
    present = context.adapters["peers"].send(peer)
    context.record([ImportSent(workflow_id=requested.workflow_id, command_id=peer.command_id,
                               target_host=peer.target_host, consumer_present=present)])
    return present


def resend_imports(command: CommandEnvelope, context: AgentContext) -> list[Payload]:
    """Recovery: every import requested but not known sent (the agent died between the intent
    and the send) is sent again with the same command id; the target does it at most once."""
    parse(command)
    sent = []
    for workflow_id, command_id in unsent_imports(context.view):
        workflow = context.view.workflows[workflow_id]
        intent = next(e for e in context.store.read(context.host, workflow.started_seq - 1)
                      if e.type == "ImportRequested" and e.payload["command_id"] == command_id)
        send_import(context, ImportRequested.model_validate(intent.payload), None,
                    intent.command_id or command.command_id)
        sent.append(command_id)
    return fs_handlers.completed(command, resent=sent)


def recover_imports(agent) -> None:
    """Run ``ResendImports`` on ``agent`` when its view shows unsent imports."""
    if agent.adapters.get("peers") is None or not unsent_imports(agent.catch_up()):
        return
    agent.handle(CommandEnvelope(command=ResendImports(), target_host=agent.host,
                                 principal=f"recovery@{agent.host}",
                                 issued_at=datetime.now(timezone.utc)))


TRANSFER_COMMAND_HANDLERS = {
    "ExportBackup": export_backup,
    "ImportBackup": import_backup,
    "BackupFileSystem": backup_file_system,
    "ResendImports": resend_imports,
}
