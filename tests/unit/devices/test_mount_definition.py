"""The CG_MP.conf parser: the manual's format, explicit limits, and fuzzing (any text gives a
definition or a ``MountDefinitionError`` naming the line, never another exception)."""
from __future__ import annotations

import string
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.agent.devices.mount_definition import (
    MAX_COPY_GROUPS, MAX_LINE, Binding, DiskGroupBlock, FileSystemDef, MountDefinition,
    MountDefinitionError, format_definition, parse_definition)
from tests.fuzzing import EXTREME_TEXT, examples

# The manual's dynamic-recognition example with its counts made consistent (the manual has
# DISK-GROUP-NUM=2 over three blocks and one DATETIME doubled: spec 03 §3.5).
MANUAL = """#configuration file for copy-group mounting
[CG_DEF]
COPY-GROUP-NUM=6
COPY-GROUP=Grp1,dev11
BUID=0000000001
DATETIME=20041201123456
COPY-GROUP=Grp1,dev12
BUID=0000000001
DATETIME=20041201123456
COPY-GROUP=Grp2,dev21
BUID=0000000002
DATETIME=20041201123456
COPY-GROUP=Grp2,dev22
BUID=0000000002
DATETIME=20041201123456
COPY-GROUP=Grp3,dev31
BUID=0000000001
DATETIME=20041201123456
COPY-GROUP=Grp3,dev32
BUID=0000000003
DATETIME=20041201123456
[DG_DEF]
DISK-GROUP-NUM=3
""" + "".join(f"""BUID=000000000{n}
DATETIME=20041123225248
COPY-GROUP-NUM=2
COPY-GROUP=Grp{n},dev{n}1
COPY-GROUP=Grp{n},dev{n}2
P-DG=DG01
S-DG=DG01
FS-NUM=3
LVM-DEVICE=\\Device\\HarddiskDmVolumes\\Dg01\\Volume1
LABEL=Volume1
FS=X:
LVM-DEVICE=\\Device\\HarddiskDmVolumes\\Dg01\\Volume2
LABEL=Volume2
FS=Y:
LVM-DEVICE=\\Device\\HarddiskDmVolumes\\Dg01\\Volume3
LABEL=Volume3
FS=Z:
""" for n in (1, 2, 3))


def test_the_manuals_example_parses_and_names_each_copy_groups_mount_point():
    definition = parse_definition(MANUAL.replace("\n", "\r\n"))
    assert len(definition.bindings) == 6 and len(definition.blocks) == 3
    assert definition.mount_point("Grp1,dev12", "\\Device\\HarddiskDmVolumes\\Dg01\\Volume2") \
        == "Y:"
    assert definition.mount_point("Grp3,dev32", "\\Device\\HarddiskDmVolumes\\Dg01\\Volume3") \
        == "Z:"
    assert definition.mount_point("Grp9,dev99", "x") is None
    assert parse_definition(format_definition(definition)) == definition


@pytest.mark.parametrize("damage, problem", [
    (lambda t: t.replace("DISK-GROUP-NUM=3", "DISK-GROUP-NUM=2"),  # the manual's own defect
     "DISK-GROUP-NUM=2 but 3 entries follow"),
    (lambda t: t.replace("DATETIME=20041201123456", "DATETIME=2004120112345620041201123456", 1),
     "line 6: DATETIME"),
    (lambda t: t.replace("DATETIME=20041201123456", "DATETIME=20041301123456", 1),
     "line 6: DATETIME"),  # month 13
    (lambda t: t.replace("COPY-GROUP=Grp1,dev11", "COPY-GROUP=Grp1 dev11", 1), "line 4"),
    (lambda t: t.replace("COPY-GROUP-NUM=6", f"COPY-GROUP-NUM={MAX_COPY_GROUPS + 1}"),
     "over the limit"),
    (lambda t: t.replace("LABEL=Volume1", "LABEL=" + "v" * MAX_LINE, 1), "longer than"),
    (lambda t: t.replace("FS=X:", "FS=../../etc", 1), "FS="),
    (lambda t: t.replace("COPY-GROUP=Grp2,dev21", "COPY-GROUP=Grp1,dev11", 1), "bound twice"),
    (lambda t: t.replace("P-DG=DG01", "PDG=DG01", 1), "'PDG' where P-DG is due"),
    (lambda t: t.replace("[CG_DEF]", ""), "where [CG_DEF] is due"),
    (lambda t: t.replace("FS=Z:\n", "FS=Z:\nnonsense\n", 1), "neither KEY=value"),
    (lambda t: t + "BUID=0000000004\n", "the file ends where DATETIME is due"),
])
def test_a_damaged_file_is_refused_naming_the_line_and_problem(damage, problem):
    with pytest.raises(MountDefinitionError) as error:
        parse_definition(damage(MANUAL))
    assert problem in str(error.value)


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read():
    with pytest.raises(MountDefinitionError, match="larger than"):
        parse_definition("#" * (1 << 20) + "\n" + MANUAL)


def test_binding_again_replaces_the_old_block_and_drops_unbound_ones():
    fs = FileSystemDef("1:2", "vg01", "/bk/vg01")
    first = MountDefinition().with_mounts("0000000001", "20260101000000", [("A,a", fs)])
    second = first.with_mounts("0000000002", "20260102000000", [("A,a", fs)])
    assert [b.backup_id for b in second.blocks] == ["0000000002"]
    assert second.bindings == (Binding("A,a", "0000000002", "20260102000000"),)


# -- fuzzing ---------------------------------------------------------------------------------------
NAMES = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=8)
COPY_GROUPS = st.builds(lambda g, d: f"{g},{d}", NAMES, NAMES)
IDS = st.integers(0, 9_999_999_999).map(lambda n: f"{n:010d}")
TIMES = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 31)).map(
    lambda t: t.strftime("%Y%m%d%H%M%S"))
TEXT = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_characters="=\x7f"),
               min_size=1, max_size=12)
PATHS = st.lists(st.text(string.ascii_lowercase + string.digits + "_", min_size=1, max_size=6),
                 min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
FILE_SYSTEMS = st.builds(FileSystemDef, TEXT, TEXT, PATHS)


@st.composite
def definitions(draw) -> MountDefinition:
    names = draw(st.lists(COPY_GROUPS, unique=True, max_size=6))
    ids = draw(st.lists(IDS, unique=True, max_size=4))
    blocks = tuple(DiskGroupBlock(i, draw(TIMES), tuple(draw(st.lists(COPY_GROUPS, max_size=3))),
                                  draw(TEXT), draw(TEXT),
                                  tuple(draw(st.lists(FILE_SYSTEMS, max_size=3))))
                   for i in ids)
    bindings = tuple(Binding(n, draw(IDS), draw(TIMES)) for n in names)
    return MountDefinition(bindings, blocks)


@settings(max_examples=examples(150), deadline=None)
@given(definitions())
def test_every_definition_survives_writing_and_reading_back(definition):
    assert parse_definition(format_definition(definition)) == definition


@st.composite
def damaged_files(draw) -> str:
    lines = format_definition(draw(definitions())).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["drop", "insert", "replace", "value"]))
        if action == "drop" and at < len(lines):
            del lines[at]
        elif action == "insert":
            lines.insert(at, draw(st.one_of(EXTREME_TEXT, st.sampled_from(
                ["[CG_DEF]", "[DG_DEF]", "COPY-GROUP-NUM=99999999", "FS-NUM=1", "BUID=",
                 "DATETIME=99999999999999", "=", "FS=/x\x00y"]))))
        elif action == "replace" and at < len(lines):
            lines[at] = draw(EXTREME_TEXT)
        elif at < len(lines):
            key = lines[at].partition("=")[0]
            lines[at] = f"{key}={draw(EXTREME_TEXT)}"
    return "\n".join(lines)


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(damaged_files(), st.text(max_size=300)))
def test_any_text_gives_a_definition_or_a_clear_error(text):
    try:
        definition = parse_definition(text)
    except MountDefinitionError as error:
        assert str(error)
    else:
        assert parse_definition(format_definition(definition)) == definition
