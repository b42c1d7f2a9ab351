"""The export file: sealed on export, refused when damaged, altered or of another version."""
from __future__ import annotations

import orjson
import pytest

from events.export_document import (ALTERED, DAMAGED, UNKNOWN_VERSION, ExportFileError,
                                    encode_document, parse_bytes, read_document, seal_document)
from tests.unit.agent_fs.views import T0, recorded

SOURCE_HASH = "ab" * 32


def a_document():
    entry = recorded("0000000003", ["VG01,VOL01"]).model_dump(mode="json")
    return seal_document(entry, "BKServer", 17, SOURCE_HASH, T0)


def file_bytes() -> bytes:
    return encode_document(a_document())


def refused(data: bytes) -> ExportFileError:
    with pytest.raises(ExportFileError) as caught:
        read_document(parse_bytes(data))
    return caught.value


def test_a_sealed_document_reads_back_with_source_and_entry():
    document = read_document(parse_bytes(file_bytes()))
    assert document.body.source_host == "BKServer"
    assert document.body.source_backup_id == "0000000003"
    assert document.body.source_event_seq == 17
    assert document.body.source_event_hash == SOURCE_HASH
    assert document.body.entry.copy_groups == ("VG01,VOL01",)
    assert document.body_sha256 == a_document().body_sha256


def test_the_file_names_its_format_and_version():
    value = orjson.loads(file_bytes())
    assert value["format"] == "drm-catalog-export" and value["format_version"] == 1


def test_a_truncated_file_is_damaged():
    data = file_bytes()
    assert refused(data[: len(data) // 2]).detail == DAMAGED
    assert refused(b"").detail == DAMAGED


def test_a_hand_edited_entry_is_refused_as_altered():
    value = orjson.loads(file_bytes())
    value["body"]["entry"]["original_id"] = "0000000009"
    error = refused(orjson.dumps(value))
    assert error.detail == ALTERED and "altered" in error.text


def test_an_edit_that_also_changes_whitespace_only_is_still_accepted():
    value = orjson.loads(file_bytes())
    assert read_document(parse_bytes(orjson.dumps(value))).body.source_host == "BKServer"


def test_an_unknown_format_version_is_refused_before_the_hash():
    value = orjson.loads(file_bytes())
    value["format_version"] = 2
    error = refused(orjson.dumps(value))
    assert error.detail == UNKNOWN_VERSION and "version 2" in error.text


@pytest.mark.parametrize("change", [
    lambda v: v.update(format="something-else"),
    lambda v: v.pop("body"),
    lambda v: v.pop("body_sha256"),
])
def test_a_file_of_another_kind_is_damaged(change):
    value = orjson.loads(file_bytes())
    change(value)
    assert refused(orjson.dumps(value)).detail == DAMAGED


def test_a_json_array_is_damaged():
    assert refused(b"[1, 2]").detail == DAMAGED


def test_a_resealed_body_missing_a_field_is_damaged():
    from events.canonical import canonical_bytes, sha256_hex

    value = orjson.loads(file_bytes())
    del value["body"]["entry"]["copy_groups"]
    value["body_sha256"] = sha256_hex(canonical_bytes(value["body"]))
    error = refused(orjson.dumps(value))
    assert error.detail == DAMAGED and "copy_groups" in error.text
