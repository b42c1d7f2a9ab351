"""Export files edited and re-sealed by hand: values that break the naming rules or limits are
refused as damaged before anything is sent; any bytes end in a clear error."""
from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from tests.fuzzing import examples
from events.canonical import canonical_bytes, sha256_hex
from events.export_document import DAMAGED, ExportFileError, parse_bytes, read_document
from tests.unit.transfer.test_export_document import file_bytes


def resealed(edit) -> bytes:
    value = orjson.loads(file_bytes())
    edit(value["body"])
    value["body_sha256"] = sha256_hex(canonical_bytes(value["body"]))
    return orjson.dumps(value)


@pytest.mark.parametrize("field, value, named", [
    ("instances", ["../../.."], "instances"),
    ("instances", ["/mnt/fs1"] * 300, "instances"),
    ("comment", "x" * (1 << 20), "comment"),
    ("origin_host", "../../x", "origin_host"),
    ("copy_groups", ["../VG01,VOL01"], "copy_groups"),
    ("media", "DISK\x00", "media"),
])
def test_a_resealed_entry_breaking_a_rule_is_damaged(field, value, named):
    data = resealed(lambda body: body["entry"].__setitem__(field, value))
    with pytest.raises(ExportFileError) as caught:
        read_document(parse_bytes(data))
    assert caught.value.detail == DAMAGED and named in caught.value.text


def test_a_resealed_source_host_breaking_the_host_rule_is_damaged():
    data = resealed(lambda body: body.__setitem__("source_host", ""))
    with pytest.raises(ExportFileError, match="source_host"):
        read_document(parse_bytes(data))


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_end_in_a_document_or_an_export_file_error(data):
    try:
        read_document(parse_bytes(data))
    except ExportFileError as error:
        assert error.detail and error.text


@settings(max_examples=examples(200), deadline=None)
@given(st.data())
def test_mutated_documents_end_in_a_document_or_an_export_file_error(data):
    text = file_bytes().decode()
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.text(max_size=8)) + text[at + data.draw(st.integers(0, 8)):]
    try:
        read_document(parse_bytes(text.encode("utf-8", "surrogatepass")))
    except ExportFileError as error:
        assert error.text
