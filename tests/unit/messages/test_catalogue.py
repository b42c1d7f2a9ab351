"""The message catalogue (``services.messages``) against the product's source and the manual.

The manual's side is ``manual_messages.txt`` beside this file: lines copied from the Application
Agent CLI User Guide (its header names the sections), so that no test reads the manual itself.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from services import messages

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ("services", "adapters", "events", "projections")
CATALOGUE_FILE = ROOT / "services" / "messages.py"
MANUAL_LINES = Path(__file__).with_name("manual_messages.txt")
ID_IN_TEXT = re.compile(r"\b(?:KAVX|DRMX)\d{4}-[IWEQ]\b")
CODE_IN_TEXT = re.compile(r"\bDRM-\d{5}\b")
CONSTANT_USE = re.compile(r"\bmessages\.([A-Za-z_][A-Za-z0-9_]*)")
LITERAL_ID = re.compile(r"(?:KAVX|DRMX)\d{4}|DRM-\d{5}")


def product_sources() -> list[Path]:
    return sorted(path for top in PRODUCT for path in (ROOT / top).rglob("*.py")
                  if path != CATALOGUE_FILE)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def manual_texts() -> dict[str, str]:
    """Message ID -> the manual's text, from the fixture (``#`` lines are comments)."""
    texts = {}
    for line in MANUAL_LINES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            message_id, text = line.split(" ", 1)
            assert message_id not in texts, f"{message_id} twice in the fixture"
            texts[message_id] = text
    return texts


def as_pattern(template: str) -> re.Pattern[str]:
    """A catalogue text with each ``{field}`` matching any non-empty words."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".+?".join(re.escape(part) for part in parts))


def literals_naming_an_id(path: Path) -> list[str]:
    """String literals (f-string parts too, docstrings not) that begin with a message ID or a
    detail code: definitions of IDs and codes, which belong in the catalogue only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and LITERAL_ID.match(node.value)]


def offenders(paths, find) -> dict[str, object]:
    """``find(path)`` for each path where it finds something, keyed by the relative path."""
    found = {str(path.relative_to(ROOT)): find(path) for path in paths}
    return {name: what for name, what in found.items() if what}


# -- (1) what the product prints is catalogued ---------------------------------------------------
def test_every_message_id_the_product_names_is_in_the_catalogue():
    def unknown(path):
        return set(ID_IN_TEXT.findall(path.read_text(encoding="utf-8"))) - set(messages.CATALOGUE)

    assert offenders(product_sources() + documents(), unknown) == {}


def test_every_catalogue_constant_the_product_uses_exists():
    def missing(path):
        used = set(CONSTANT_USE.findall(path.read_text(encoding="utf-8")))
        return {name for name in used if not hasattr(messages, name)}

    assert offenders(product_sources(), missing) == {}


def test_no_module_but_the_catalogue_defines_an_id_or_a_code():
    assert offenders(product_sources(), literals_naming_an_id) == {}


# -- (2) and (3) KAVX IDs are the manual's, with the manual's text -------------------------------
def test_every_kavx_id_of_the_catalogue_is_in_the_manual_with_its_text():
    manual = manual_texts()
    for message_id, message in messages.CATALOGUE.items():
        if message_id.startswith("KAVX"):
            assert message_id in manual, f"{message_id} is not a message of the manual"
            assert as_pattern(message.text).fullmatch(manual[message_id]), message_id


def test_the_fixture_holds_only_ids_the_catalogue_prints():
    kavx = {i for i in messages.CATALOGUE if i.startswith("KAVX")}
    assert set(manual_texts()) == kavx


def test_messages_of_our_own_use_the_drmx_prefix_only():
    prefixes = {message_id[:4] for message_id in messages.CATALOGUE}
    assert prefixes == {"KAVX", "DRMX"}
    assert all(messages.MESSAGE_ID.fullmatch(i) for i in messages.CATALOGUE)
    assert {i for i in messages.CATALOGUE if i.startswith("KAVX")} <= set(manual_texts())


def test_the_level_is_the_last_letter_of_the_id():
    assert messages.CATALOGUE[messages.PROCESSING_ERROR].level == "E"
    assert messages.CATALOGUE[messages.IMPORT_PENDING].level == "W"
    assert messages.CATALOGUE[messages.MOUNT_START].level == "I"


# -- (4) detail codes ----------------------------------------------------------------------------
def test_each_detail_code_is_defined_once_in_the_catalogue():
    source = CATALOGUE_FILE.read_text(encoding="utf-8")
    defined = re.findall(r'_detail\("(DRM-\d{5})"', source)
    assert len(defined) == len(set(defined)) == len(messages.DETAIL_CODES)


def test_defining_a_known_code_or_id_again_raises():
    with pytest.raises(messages.DuplicateDefinition):
        messages._detail(messages.UNKNOWN_OBJECT, "another meaning")
    with pytest.raises(messages.DuplicateDefinition):
        messages._message(messages.PROCESSING_ERROR, "another text")
    assert messages.DETAIL_CODES[messages.UNKNOWN_OBJECT] != "another meaning"


def test_every_detail_code_the_product_names_is_defined():
    def unknown(path):
        named = set(CODE_IN_TEXT.findall(path.read_text(encoding="utf-8")))
        return named - set(messages.DETAIL_CODES)

    assert offenders(product_sources() + documents(), unknown) == {}


# -- lines -----------------------------------------------------------------------------------------
def test_a_line_is_the_id_the_text_and_the_details():
    assert messages.line(messages.MOUNT_START, "Mount point = W:") == \
        "KAVX0400-I Mounting will now start. Mount point = W:"
    assert messages.start_line("drmfsbackup") == \
        "KAVX0001-I The drmfsbackup command will now start."
    assert messages.line(messages.INTERRUPTED) == "DRMX0007-E Interrupted by the user."


def test_an_error_text_carries_its_detail_code():
    assert messages.error_text(messages.SLOT_BUSY, "busy") == \
        "An error that stopped processing occurred. (DRM-10050: busy)"
