"""Benchmark of the simulated array (issue 3). Run: ``python -m bench.array_bench [--size-mib 1024]``.

1. Initial copy (paircreate -> PAIR) of a tree of mixed file sizes, next to ``cp -a`` of the
   same tree. Target: at least 0.8x cp's throughput.
2. Resync after changing 1% of the data. Target: at most 5% of the initial copy's time, and
   bytes written at most 2% of the volume.
3. Thin Image snapshot (pairsplit of a TI pair) of a 100 MiB and a full-size volume with 1%
   changed since the previous snapshot. Target: flat in volume size within 2x.

Everything happens under a temporary directory that is removed at the end.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from adapters.storage.base import VolumeRef
from adapters.storage.pairs import CopyType
from adapters.storage.simulated_array import SimulatedStorage

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


def change_one_percent(root: Path, files: list[Path], total: int, seed: int) -> int:
    """Rewrite medium files, modify 1 MiB in one large file, add files, delete a few: ~1%."""
    rng = random.Random(seed)
    changed = 0
    files = [f for f in files if f.exists()]
    medium = [f for f in files if MIB // 4 <= f.stat().st_size <= 4 * MIB]
    rng.shuffle(medium)
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
        (new_dir / f"n{changed}.dat").write_bytes(os.urandom(size))
        changed += size
    for path in [f for f in files if f.stat().st_size < 64 << 10][:10]:
        path.unlink()
    return changed


def timed(action) -> float:
    os.sync()  # start every measurement from clean page cache state
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def volume_with_tree(storage: SimulatedStorage, serial: str, ldev: int, size: int, seed: int):
    vol = VolumeRef(serial=serial, ldev=ldev)
    storage.create_ldev(vol, size + 64 * MIB)
    return vol, make_tree(storage.data_dir(vol), size, seed)


def bench_ti(storage: SimulatedStorage, serial: str, pvol: VolumeRef, files, size: int, svol_ldev: int) -> tuple[float, float]:
    """(first snapshot, snapshot after 1% changed) seconds for a TI pair on ``pvol``."""
    svol = VolumeRef(serial=serial, ldev=svol_ldev)
    storage.create_ldev(svol, size + 64 * MIB)
    storage.paircreate(pvol, svol, CopyType.TI, "5")
    first = timed(lambda: storage.pairsplit(pvol, "5"))
    storage.pairresync(pvol, "5")
    change_one_percent(storage.data_dir(pvol), files, size, seed=svol_ldev)
    second = timed(lambda: storage.pairsplit(pvol, "5"))
    return first, second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    size = args.size_mib * MIB
    work = Path(tempfile.mkdtemp(prefix="drm-array-bench-"))
    try:
        storage = SimulatedStorage(work / "arrays")
        storage.define_array("1")
        pvol, files = volume_with_tree(storage, "1", 1, size, seed=1)
        svol = VolumeRef(serial="1", ldev=2)
        storage.create_ldev(svol, size + 64 * MIB)
        os.sync()
        def cp_a() -> float:
            spent = timed(lambda: subprocess.run(["cp", "-a", str(storage.data_dir(pvol)), str(work / "cp-copy")],
                                                 check=True))
            shutil.rmtree(work / "cp-copy")
            return spent

        cp_time = min(cp_a(), cp_a())  # the faster of two runs: the stricter comparison

        def initial():
            storage.paircreate(pvol, svol, CopyType.SI, "0")
            storage.pairevtwait(pvol, "0", "PAIR", 3600)

        first_copy = timed(initial)  # like cp: best of two runs
        storage.pairsplit(pvol, "0", simplex=True)
        shutil.rmtree(storage.data_dir(svol))
        storage.data_dir(svol).mkdir()
        copy_time = min(first_copy, timed(initial))
        storage.pairsplit(pvol, "0")
        changed = change_one_percent(storage.data_dir(pvol), files, size, seed=2)

        def resync():
            storage.pairresync(pvol, "0")
            storage.pairevtwait(pvol, "0", "PAIR", 3600)

        resync_time = timed(resync)
        written = storage.pairdisplay(pvol, "0").bytes_written
        storage.pairsplit(pvol, "0", simplex=True)

        small, small_files = volume_with_tree(storage, "1", 10, 100 * MIB, seed=3)
        ti_small = bench_ti(storage, "1", small, small_files, 100 * MIB, 11)
        ti_large = bench_ti(storage, "1", pvol, files, size, 12)

        mib_s = size / MIB
        rows = [
            ("cp -a of the tree", f"{cp_time:.2f} s ({mib_s / cp_time:.0f} MiB/s)", ""),
            ("initial copy (paircreate->PAIR)", f"{copy_time:.2f} s ({mib_s / copy_time:.0f} MiB/s)",
             f"ratio {cp_time / copy_time:.2f}x of cp (target >= 0.8x)"),
            (f"resync after {changed / size:.1%} changed", f"{resync_time:.3f} s",
             f"{resync_time / copy_time:.1%} of initial copy (target <= 5%)"),
            ("  bytes written by resync", f"{written / MIB:.1f} MiB",
             f"{written / size:.2%} of volume (target <= 2%)"),
            ("TI first snapshot 100 MiB", f"{ti_small[0]:.3f} s", "(full: every chunk stored)"),
            (f"TI first snapshot {args.size_mib} MiB", f"{ti_large[0]:.3f} s", ""),
            ("TI snapshot 100 MiB, 1% changed", f"{ti_small[1]:.3f} s", ""),
            (f"TI snapshot {args.size_mib} MiB, 1% changed", f"{ti_large[1]:.3f} s",
             f"{ti_large[1] / ti_small[1]:.2f}x the 100 MiB time (target <= 2x)"),
        ]
        width = max(len(r[0]) for r in rows)
        print(f"Simulated array benchmark, {args.size_mib} MiB tree of {len(files)} files")
        for name, value, note in rows:
            print(f"  {name:<{width}}  {value:<24} {note}")
    finally:
        storage.wait_idle(60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
