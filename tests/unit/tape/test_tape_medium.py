"""The tape medium is a tar stream: ``tar`` lists and extracts it with owners, modes, times,
links; its manifest is checked on every read; a truncated or altered medium is refused."""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from adapters.tape import SimulatedTapeLibrary, TapeError
from adapters.tape.tar_format import MANIFEST_NAME, DamagedMedium
from adapters.tape.tar_writer import SMALL

TAR = shutil.which("tar")
needs_tar = pytest.mark.skipif(TAR is None, reason="no tar command on this machine")


def rich_tree(root: Path) -> Path:
    """Small and large files, modes, a setgid directory, symlinks, a hard link, odd names,
    sub-second mtimes and (as root) owners that are not the current user's."""
    (root / "d" / "e").mkdir(parents=True)
    (root / "d" / "a.txt").write_bytes(b"alpha")
    (root / "d" / "e" / "big.bin").write_bytes(os.urandom(SMALL + 12345))
    (root / "d" / "e" / "empty").write_bytes(b"")
    (root / ("long-" + "n" * 150)).write_bytes(b"long name")
    (root / "é ü").write_bytes(b"unicode")
    (root / os.fsdecode(b"latin1-\xe9")).write_bytes(b"")  # a name that is not UTF-8
    os.symlink("d/a.txt", root / "link")
    os.symlink("/nowhere/at/all", root / "dangling")
    os.link(root / "d" / "a.txt", root / "hard")
    (root / "empty-dir").mkdir()
    os.chmod(root / "d" / "a.txt", 0o640)
    os.chmod(root / "d" / "e", 0o2750)
    os.chmod(root / "é ü", 0o600)
    os.utime(root / "d" / "e" / "big.bin", ns=(1_600_000_000_123_456_789,) * 2)
    if os.geteuid() == 0:
        os.chown(root / "d" / "a.txt", 1234, 5678)
        os.lchown(root / "link", 4321, 8765)
        os.chown(root / "d" / "e", 26, 26)  # postgres-like owner of a data directory
    return root


def snapshot(root: Path) -> dict:
    """Every entry: kind, mode, owner, mtime (files), bytes or link target, inode grouping."""
    found, inodes = {}, {}
    for base, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(base) / name
            st = path.lstat()
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = ("l", os.readlink(path), st.st_uid, st.st_gid)
            elif path.is_dir():
                found[rel] = ("d", st.st_mode, st.st_uid, st.st_gid)
            else:
                group = inodes.setdefault(st.st_ino, rel)
                found[rel] = ("f", st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns,
                              path.read_bytes(), group)
    top = root.stat()
    found["."] = ("d", top.st_mode, top.st_uid, top.st_gid)
    return found


@pytest.fixture
def written(tmp_path):
    source = rich_tree(tmp_path / "src")
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    library.write("TP1", "0000000002.0", source)
    return library, source, library.archive_path("TP1", "0000000002.0")


def test_the_library_reads_back_owners_modes_times_and_links(written, tmp_path):
    library, source, _ = written
    target = tmp_path / "svol"
    target.mkdir()
    (target / "stale").mkdir()
    (target / "stale" / "old.txt").write_text("not on the tape")
    assert library.read("TP1", "0000000002.0", target).bytes == 5 + SMALL + 12345 + 9 + 7
    assert snapshot(target) == snapshot(source)


@needs_tar
def test_tar_lists_the_medium_with_owners_and_modes(written):
    _, source, medium = written
    listing = subprocess.run([TAR, "--numeric-owner", "-tvf", str(medium)], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    rows = {line.split()[-1] if " -> " not in line and " link to " not in line
            else line.split()[-3]: line.split()[:2] for line in listing}
    st = (source / "d" / "a.txt").stat()
    assert rows["d/a.txt"] == ["-rw-r-----", f"{st.st_uid}/{st.st_gid}"]
    assert rows["d/e/"][0] == "drwxr-s---" and rows["./"][0].startswith("d")
    assert rows[MANIFEST_NAME][0] == "-r--r--r--" and listing[-1].endswith(MANIFEST_NAME)
    with tarfile.open(medium) as archive:  # the standard library reads it too
        assert archive.getmember("d/e/big.bin").mtime == 1_600_000_000.123456789
        assert archive.getmember("hard").islnk() and archive.getmember("link").issym()


@needs_tar
def test_tar_extracts_the_same_tree(written, tmp_path):
    _, source, medium = written
    out = tmp_path / "by-tar"
    out.mkdir()
    subprocess.run([TAR, "-xpf", str(medium), "-C", str(out)], check=True)
    assert (out / MANIFEST_NAME).is_file()  # the manifest comes out as one more file
    (out / MANIFEST_NAME).unlink()
    assert snapshot(out) == snapshot(source)


def corrupt(medium: Path, needle: bytes, replacement: bytes) -> None:
    data = medium.read_bytes()
    assert needle in data
    medium.write_bytes(data.replace(needle, replacement, 1))


@pytest.mark.parametrize("needle, replacement, why", [
    (b"alpha", b"alphA", "hash mismatch"),  # a small file's data
    (b"long name", b"LONG name", "hash mismatch"),
    (b'"d/a.txt","f",5', b'"d/a.txt","f",6', "differs from the manifest"),  # manifest edited
    (b'"label":"0000000002.0"', b'"label":"0000000009.0"', "not '0000000002.0'"),
])
def test_a_medium_that_differs_from_its_manifest_is_refused(written, tmp_path, needle,
                                                            replacement, why):
    library, _, medium = written
    corrupt(medium, needle, replacement)
    target = tmp_path / "svol"
    target.mkdir()
    with pytest.raises(TapeError, match=why):
        library.read("TP1", "0000000002.0", target)


def test_a_flipped_byte_in_a_large_file_is_found(written, tmp_path):
    library, source, medium = written
    big = (source / "d" / "e" / "big.bin").read_bytes()
    data = bytearray(medium.read_bytes())
    at = data.find(big[:4096]) + SMALL
    data[at] ^= 0xFF
    medium.write_bytes(bytes(data))
    (tmp_path / "svol").mkdir()
    with pytest.raises(DamagedMedium, match="big.bin.*hash mismatch"):
        library.read("TP1", "0000000002.0", tmp_path / "svol")


def test_a_truncated_medium_is_refused_and_leaves_the_target_alone(written, tmp_path):
    library, _, medium = written
    whole = medium.read_bytes()
    target = tmp_path / "svol"
    target.mkdir()
    (target / "keep.txt").write_text("the S-VOL as it was")
    for cut in (len(whole) - 512, len(whole) - 3000, len(whole) // 2, 4096, 700, 0):
        medium.write_bytes(whole[:cut])
        with pytest.raises(TapeError, match="truncated|empty"):
            library.read("TP1", "0000000002.0", target)
        assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_a_special_file_is_refused_and_no_medium_is_left(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    os.mkfifo(source / "fifo")
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    with pytest.raises(TapeError, match="special file"):
        library.write("TP1", "x", source)
    assert list((tmp_path / "tape" / "TP1").iterdir()) == []


def hostile_medium(path: Path, members: list[tuple[tarfile.TarInfo, bytes]], manifest: bytes):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for info, data in members:
            info.size = len(data)
            archive.addfile(info, __import__("io").BytesIO(data))
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(manifest)
        archive.addfile(info, __import__("io").BytesIO(manifest))


def test_a_member_written_through_a_symlink_is_refused(tmp_path):
    """A crafted medium (symlink ``x`` -> outside, then ``x/evil``) cannot write outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    medium = library.archive_path("TP1", "L")
    medium.parent.mkdir(parents=True)
    root = tarfile.TarInfo("./")
    root.type = tarfile.DIRTYPE
    link = tarfile.TarInfo("x")
    link.type, link.linkname = tarfile.SYMTYPE, str(outside)
    evil = tarfile.TarInfo("x/evil")
    digest = __import__("blake3").blake3(b"pwned").hexdigest()
    manifest = ('{"format":"drm-tape/1","hash":"blake3","label":"L","entries":[["","d",0,""],'
                f'["x","l",0,"{outside}"],["x/evil","f",5,"{digest}"]]}}').encode()
    hostile_medium(medium, [(root, b""), (link, b""), (evil, b"pwned")], manifest)
    (tmp_path / "svol").mkdir()
    with pytest.raises(DamagedMedium, match="its directory is not earlier"):
        library.read("TP1", "L", tmp_path / "svol")
    assert list(outside.iterdir()) == []


def test_a_medium_swapped_for_another_is_refused_by_the_catalogs_manifest_hash(tmp_path):
    """The catalog keeps each archive's manifest hash: a whole, valid medium of the same label
    that is not the one written (an older tape, another library's) is refused untouched."""
    first, other = tmp_path / "a", tmp_path / "b"
    for root, text in ((first, "the backup"), (other, "another backup")):
        root.mkdir()
        (root / "f.txt").write_text(text)
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    kept = library.write("TP1", "L", first).manifest_hash
    elsewhere = SimulatedTapeLibrary(tmp_path / "tape2", ("TP1",))
    assert elsewhere.write("TP1", "L", other).manifest_hash != kept
    shutil.copyfile(elsewhere.archive_path("TP1", "L"), library.archive_path("TP1", "L"))
    target = tmp_path / "svol"
    target.mkdir()
    (target / "keep.txt").write_text("as it was")
    with pytest.raises(DamagedMedium, match="not the one the tape catalog recorded"):
        library.read("TP1", "L", target, manifest_hash=kept)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert library.read("TP1", "L", target).manifest_hash != kept  # without the record: read
    assert (target / "f.txt").read_text() == "another backup"
