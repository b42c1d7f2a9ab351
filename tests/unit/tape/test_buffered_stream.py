"""Small files are read straight into the writer's reused output buffer and hashed there: a
tree of small files spanning several buffers (and a large file between them) reads back
exactly, through the library (every hash checked) and through ``tar``."""
from __future__ import annotations

import os
import random
import subprocess

from adapters.tape import SimulatedTapeLibrary
from adapters.tape.tar_format import MANIFEST_NAME
from adapters.tape.tar_writer import FLUSH, SMALL
from tests.unit.tape.test_tape_medium import TAR, needs_tar, snapshot


def many_small_files(root):
    rng = random.Random(7)
    total = 0
    for n in range(400):
        size = rng.choice([0, 1, 511, 512, 513, SMALL, rng.randint(1, 64 << 10)])
        path = root / f"d{n % 7}" / f"f{n:03d}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))
        total += size
        if n == 200:
            (root / "d0" / "large").write_bytes(rng.randbytes(SMALL + 1))
    assert total > 3 * FLUSH  # the buffer is flushed and reused several times
    return root


def test_small_files_across_buffers_read_back_exactly(tmp_path):
    source = many_small_files(tmp_path / "src")
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    library.write("TP1", "L", source)
    target = tmp_path / "back"
    target.mkdir()
    library.read("TP1", "L", target)
    assert snapshot(target) == snapshot(source)


@needs_tar
def test_tar_extracts_them_too(tmp_path):
    source = many_small_files(tmp_path / "src")
    library = SimulatedTapeLibrary(tmp_path / "tape", ("TP1",))
    library.write("TP1", "L", source)
    out = tmp_path / "by-tar"
    out.mkdir()
    subprocess.run([TAR, "-xpf", str(library.archive_path("TP1", "L")), "-C", str(out)],
                   check=True)
    (out / MANIFEST_NAME).unlink()
    assert snapshot(out) == snapshot(source)
    assert os.path.getsize(out / "d0" / "large") == SMALL + 1
