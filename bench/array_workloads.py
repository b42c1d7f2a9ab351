"""The trees and changes ``bench.array_bench`` measures the simulated array with."""
from __future__ import annotations

import os
import random
from pathlib import Path

MIB = 1 << 20


def make_tree(root: Path, total: int, seed: int) -> list[Path]:
    """Mixed sizes: many 4-64 KiB files, some 256 KiB-4 MiB, the rest in 16 MiB files."""
    rng = random.Random(seed)
    files, used, n = [], 0, 0
    plan = [(int(total * 0.07), 4 << 10, 64 << 10), (int(total * 0.6), 256 << 10, 4 * MIB)]
    sizes = []
    for budget, low, high in plan:
        spent = 0
        while spent < budget:
            size = rng.randint(low, high)
            sizes.append(size)
            spent += size
    used = sum(sizes)
    while used + 16 * MIB <= total:
        sizes.append(16 * MIB)
        used += 16 * MIB
    if total - used > 0:
        sizes.append(total - used)
    block = os.urandom(16 * MIB)
    for size in sizes:
        path = root / f"dir{n % 17:02d}" / f"sub{n % 5}" / f"file{n:05d}.dat"
        path.parent.mkdir(parents=True, exist_ok=True)
        start = rng.randrange(0, 16 * MIB - min(size, 16 * MIB) + 1)
        with open(path, "wb") as handle:  # distinct content per file, cheap to generate
            handle.write(n.to_bytes(8, "little"))
            handle.write(block[start:start + size - 8] if size > 8 else b"")
        files.append(path)
        n += 1
    return files


def make_many_files(root: Path, count: int, seed: int) -> list[Path]:
    """``count`` small files (0-2 KiB) in 100 directories of 20 subdirectories each."""
    rng = random.Random(seed)
    block = os.urandom(1 << 12)
    files = []
    for n in range(count):
        path = root / f"d{n % 100:02d}" / f"s{n // 100 % 20:02d}" / f"f{n:06d}"
        if n < 2000:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, n.to_bytes(4, "little") + block[:rng.randrange(0, 2048)])
        finally:
            os.close(fd)
        files.append(path)
    return files


def change_files(files: list[Path], count: int, seed: int) -> list[Path]:
    """Rewrite ``count`` of ``files``; return them."""
    rng = random.Random(seed)
    changed = rng.sample(files, count)
    for path in changed:
        path.write_bytes(os.urandom(rng.randrange(1, 2048)))
    return changed


def change_one_percent(root: Path, files: list[Path], total: int, seed: int) -> int:
    """Rewrite medium files (about 1 MiB each), modify 1 MiB in one large file, add files,
    delete a few: ~1% of ``total``."""
    rng = random.Random(seed)
    changed = 0
    files = [f for f in files if f.exists()]
    medium = [f for f in files if MIB // 4 <= f.stat().st_size <= 4 * MIB]
    rng.shuffle(medium)  # then files of about 1 MiB first: "the same bytes" on any tree
    medium.sort(key=lambda f: abs(f.stat().st_size - MIB) // (64 << 10))
    for path in medium:
        if changed >= total * 0.006:
            break
        size = path.stat().st_size
        path.write_bytes(os.urandom(size))
        changed += size
    large = [f for f in files if f.stat().st_size >= 16 * MIB]
    if large:
        with open(large[0], "r+b") as handle:
            handle.seek(5 * MIB)
            handle.write(os.urandom(MIB))
        changed += MIB
    new_dir = root / "new"
    new_dir.mkdir(exist_ok=True)
    while changed < total * 0.01:
        size = min(2 * MIB, int(total * 0.01) - changed + 4096)
        (new_dir / f"n{seed}-{changed}.dat").write_bytes(os.urandom(size))
        changed += size
    for path in [f for f in files if f.stat().st_size < 64 << 10][:10]:
        path.unlink()
    return changed
