"""The simulated tape library: archives complete or absent, exact restores, bad input."""
from __future__ import annotations

import os

import pytest

from adapters.lab.model import Lab, TapeLibrary
from adapters.tape import SimulatedTapeLibrary, TapeError, open_library


def a_tree(root):
    (root / "d" / "e").mkdir(parents=True)
    (root / "d" / "a.txt").write_bytes(b"alpha")
    (root / "d" / "e" / "big.bin").write_bytes(os.urandom(3 << 20))
    os.symlink("d/a.txt", root / "link")
    (root / "empty").mkdir()
    return root


def files(root) -> dict:
    found = {}
    for base, dirs, names in os.walk(root):
        for name in dirs + names:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, root)
            found[rel] = (os.readlink(path) if os.path.islink(path) else
                          "dir" if os.path.isdir(path) else open(path, "rb").read())
    return found


def test_write_then_read_gives_the_tree_back_exactly(tmp_path):
    source = a_tree(tmp_path / "src")
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1", "TP2"))
    written = library.write("TP2", "0000000002.0", source)
    assert written.bytes == 5 + (3 << 20) and written.files == 2
    assert library.exists("TP2", "0000000002.0")
    target = tmp_path / "svol"
    target.mkdir()
    (target / "stale.txt").write_text("not on the tape")
    library.read("TP2", "0000000002.0", target)
    assert files(target) == files(source)


def test_an_archive_is_never_overwritten_and_a_missing_one_cannot_be_read(tmp_path):
    source = a_tree(tmp_path / "src")
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    library.write("TP1", "x", source)
    with pytest.raises(TapeError):
        library.write("TP1", "x", source)
    with pytest.raises(TapeError):
        library.read("TP1", "y", tmp_path)
    library.delete("TP1", "x")
    library.delete("TP1", "x")  # already gone: no error
    assert not library.exists("TP1", "x")


@pytest.mark.parametrize("medium, label", [("TP9", "x"), ("TP1", ""), ("TP1", "../x"),
                                           ("TP1", ".hidden")])
def test_unknown_media_and_bad_labels_are_refused(tmp_path, medium, label):
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    with pytest.raises(TapeError):
        library.write(medium, label, tmp_path)


def test_a_killed_write_leaves_only_a_partial_that_is_discarded(tmp_path):
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    partial = tmp_path / "tape" / "TP1" / ".0000000002.0.tar.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half a medium")
    assert not library.exists("TP1", "0000000002.0")
    assert library.discard_partial() == ["0000000002.0"] and not partial.exists()


def test_a_missing_source_fails_cleanly(tmp_path):
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    with pytest.raises(TapeError):
        library.write("TP1", "x", tmp_path / "absent")
    assert not library.exists("TP1", "x") and library.discard_partial() == []


def test_the_lab_names_the_library_and_its_media(tmp_path):
    lab = Lab(tape_library=TapeLibrary(name="LIB9", media=("A1", "A2"), retention_days=5))
    library = open_library(tmp_path, lab)
    assert library.media() == ("A1", "A2") and library.root == tmp_path / "tape" / "LIB9"
    assert open_library(tmp_path, Lab()).media() == ("MEDIA1",)
