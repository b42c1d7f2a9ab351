"""Export documents signed by the exporting host, checked by the importing agent (ADR 0005):
an unsigned, edited and re-sealed, or re-attributed document is rejected and changes nothing."""
from __future__ import annotations

import pytest

from events.canonical import canonical_bytes, sha256_hex
from tests.fs_lab import FS_HOST, FS_MOUNT, command
from tests.integration.transfer.test_transfer_agents import (BK, agents, data_dir, export,  # noqa: F401
                                                            peers, result)


@pytest.fixture
def exported(agents):
    fs_agent, bk_agent = agents
    backup_id = result(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))[
        "backup_id"]
    return bk_agent, export(fs_agent, backup_id)


def test_the_exporting_host_signs_and_the_import_accepts_it(exported):
    bk_agent, document = exported
    assert document["signature"]["host"] == FS_HOST
    assert result(bk_agent.handle(command("ImportBackup", BK, document=document)))["backup_id"]


@pytest.mark.parametrize("forgery", ["unsigned", "edited and re-sealed", "another origin host"])
def test_a_document_not_signed_by_its_source_host_is_rejected(exported, forgery):
    bk_agent, document = exported
    if forgery == "unsigned":
        del document["signature"]
    elif forgery == "edited and re-sealed":
        document["body"]["entry"]["comment"] = "edited after export"
    else:
        document["body"]["source_host"] = "Elsewhere"
    document["body_sha256"] = sha256_hex(canonical_bytes(document["body"]))
    before = bk_agent.store.head(BK)
    outcome = bk_agent.handle(command("ImportBackup", BK, document=document))
    assert outcome.type == "CommandRejected" and "DRM-10074" in str(outcome.payload)
    assert bk_agent.store.head(BK)[0] == before[0] + 1  # only the rejection was recorded
    assert bk_agent.view.catalog == {}
