"""A lone surrogate in a command's comment or path (a forged bus body: the CLI already refuses
one) is refused where the command is decoded: the event store's canonical JSON cannot hold
one, so it used to fail the command only when its first event was recorded."""
from __future__ import annotations

import json

import pytest

from events.canonical import canonical_bytes
from events.codec import decode_command
from events.registry import EventSchemaError


def body(command: dict) -> bytes:
    return json.dumps({"command": command, "target_host": "FSServer",
                       "principal": "admin@console", "issued_at": "2026-01-01T00:00:00+00:00",
                       "reply_to": "amq.rabbitmq.reply-to"}, ensure_ascii=True).encode()


@pytest.mark.parametrize("command", [
    {"name": "BackupSqlServer", "instance": "default", "comment": "\ud800"},
    {"name": "BackupPgCluster", "cluster": "main", "comment": "x\udfff"},
    {"name": "InitSqlServer", "instance": "default", "metadata_dir": "/m/\ud800",
     "vdi_timeout": 10},
    {"name": "BackupSqlServer", "instance": "default", "copy_parameters": "\udc80.conf"},
], ids=["sql comment", "pg comment", "sql metadata dir", "-pf file"])
def test_a_lone_surrogate_is_refused_at_decoding(command):
    with pytest.raises(EventSchemaError):
        decode_command(body(command))
    with pytest.raises(TypeError):  # why: nothing could have recorded it
        canonical_bytes({"comment": "\ud800"})


def test_ordinary_non_ascii_text_still_passes():
    decoded = decode_command(body({"name": "BackupSqlServer", "instance": "default",
                                   "comment": "sauvegarde é 日本"}))
    assert decoded.command.comment == "sauvegarde é 日本"
