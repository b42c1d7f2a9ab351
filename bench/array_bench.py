"""Benchmark of the simulated array (issue 3). Run: ``python -m bench.array_bench [--size-mib 1024]``.

1. Initial copy (paircreate -> PAIR) of a tree of mixed file sizes, next to ``cp -a`` of the
   same tree. Target: at least 0.8x cp's throughput.
2. Resync after changing 1% of the data. Target: at most 5% of the initial copy's time, and
   bytes written at most 2% of the volume.
3. Thin Image snapshot (pairsplit of a TI pair) of a 100 MiB and a full-size volume with 1%
   changed since the previous snapshot. Target: flat in volume size within 2x. For
   information, also the full-size volume with the same bytes changed as the 100 MiB one.

Every measured operation runs ``--repeat`` times (default 3) and the median is reported; the
``cp -a`` runs and our initial copies alternate, so that both see the same noise of the VM.
Each figure is printed beside its target with MET or NOT MET. Everything happens under a
temporary directory that is removed at the end.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
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


def bench_copy(storage: SimulatedStorage, pvol: VolumeRef, svol: VolumeRef, work: Path,
               repeat: int) -> tuple[list[float], list[float]]:
    """``cp -a`` and paircreate->PAIR of the P-VOL, alternately: (cp times, our times)."""
    cp_times, ours = [], []

    def initial() -> None:
        storage.paircreate(pvol, svol, CopyType.SI, "0")
        storage.pairevtwait(pvol, "0", "PAIR", 3600)

    for n in range(repeat):
        cp_times.append(timed(lambda: subprocess.run(
            ["cp", "-a", str(storage.data_dir(pvol)), str(work / "cp-copy")], check=True)))
        shutil.rmtree(work / "cp-copy")
        ours.append(timed(initial))
        if n < repeat - 1:
            storage.pairsplit(pvol, "0", simplex=True)
            shutil.rmtree(storage.data_dir(svol))
            storage.data_dir(svol).mkdir()
    return cp_times, ours


def bench_resync(storage: SimulatedStorage, pvol: VolumeRef, files, size: int,
                 repeat: int) -> tuple[list[float], list[int], float]:
    """Split, change 1%, resync; ``repeat`` times: (times, bytes written, fraction changed)."""
    times, written, changed = [], [], 0

    def resync() -> None:
        storage.pairresync(pvol, "0")
        storage.pairevtwait(pvol, "0", "PAIR", 3600)

    for n in range(repeat):
        storage.pairsplit(pvol, "0")
        changed = change_one_percent(storage.data_dir(pvol), files, size, seed=2 + n)
        times.append(timed(resync))
        written.append(storage.pairdisplay(pvol, "0").bytes_written)
    return times, written, changed / size


def bench_ti(storage: SimulatedStorage, serial: str, pvol: VolumeRef, files, size: int, svol_ldev: int,
             repeat: int, change_base: int | None = None) -> tuple[float, list[float]]:
    """(first snapshot, snapshots after a change) seconds for a TI pair on ``pvol``.

    The change is 1% of ``size``, or 1% of ``change_base`` when given (the same bytes as a
    smaller volume's 1%: what changed stays equal while the volume grows).
    """
    svol = VolumeRef(serial=serial, ldev=svol_ldev)
    storage.create_ldev(svol, size + 64 * MIB)
    storage.paircreate(pvol, svol, CopyType.TI, "5")
    first = timed(lambda: storage.pairsplit(pvol, "5"))
    later = []
    for n in range(repeat):
        storage.pairresync(pvol, "5")
        change_one_percent(storage.data_dir(pvol), files, change_base or size, seed=svol_ldev * 10 + n)
        later.append(timed(lambda: storage.pairsplit(pvol, "5")))
    storage.pairsplit(pvol, "5", simplex=True)
    return first, later


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size, repeat, med = args.size_mib * MIB, args.repeat, statistics.median
    work = Path(tempfile.mkdtemp(prefix="drm-array-bench-"))
    storage = SimulatedStorage(work / "arrays")
    try:
        storage.define_array("1")
        pvol, files = volume_with_tree(storage, "1", 1, size, seed=1)
        svol = VolumeRef(serial="1", ldev=2)
        storage.create_ldev(svol, size + 64 * MIB)
        cp_times, copy_times = bench_copy(storage, pvol, svol, work, repeat)
        cp_time, copy_time = med(cp_times), med(copy_times)
        resync_times, written, changed = bench_resync(storage, pvol, files, size, repeat)
        resync_time = med(resync_times)
        storage.pairsplit(pvol, "0", simplex=True)
        small, small_files = volume_with_tree(storage, "1", 10, 100 * MIB, seed=3)
        ti_small = bench_ti(storage, "1", small, small_files, 100 * MIB, 11, repeat)
        ti_large = bench_ti(storage, "1", pvol, files, size, 12, repeat)
        ti_ratio = med(ti_large[1]) / med(ti_small[1])
        ti_same = bench_ti(storage, "1", pvol, files, size, 13, repeat, change_base=100 * MIB)[1]

        def runs(times: list[float]) -> str:
            return "runs " + " ".join(f"{t:.3f}" for t in times)

        mib_s = size / MIB
        rows = [
            ("cp -a of the tree", f"{cp_time:.2f} s ({mib_s / cp_time:.0f} MiB/s)", "", runs(cp_times)),
            ("initial copy (paircreate->PAIR)", f"{copy_time:.2f} s ({mib_s / copy_time:.0f} MiB/s)",
             f"{cp_time / copy_time:.2f}x cp's throughput (target >= 0.8x): "
             f"{verdict(cp_time / copy_time >= 0.8)}", runs(copy_times)),
            (f"resync after {changed:.1%} changed", f"{resync_time:.3f} s",
             f"{resync_time / copy_time:.1%} of initial copy (target <= 5%): "
             f"{verdict(resync_time / copy_time <= 0.05)}", runs(resync_times)),
            ("  bytes written by resync", f"{med(written) / MIB:.1f} MiB",
             f"{med(written) / size:.2%} of volume (target <= 2%): {verdict(med(written) / size <= 0.02)}", ""),
            ("TI first snapshot 100 MiB", f"{ti_small[0]:.3f} s", "(full: every chunk stored)", ""),
            (f"TI first snapshot {args.size_mib} MiB", f"{ti_large[0]:.3f} s", "", ""),
            ("TI snapshot 100 MiB, 1% changed", f"{med(ti_small[1]):.3f} s", "", runs(ti_small[1])),
            (f"TI snapshot {args.size_mib} MiB, 1% changed", f"{med(ti_large[1]):.3f} s",
             f"{ti_ratio:.2f}x the 100 MiB time (target <= 2x): {verdict(ti_ratio <= 2)}", runs(ti_large[1])),
            (f"TI snapshot {args.size_mib} MiB, 1 MiB changed", f"{med(ti_same):.3f} s",
             f"{med(ti_same) / med(ti_small[1]):.2f}x the 100 MiB time, same bytes changed (info)",
             runs(ti_same)),
        ]
        width = max(len(r[0]) for r in rows)
        print(f"Simulated array benchmark, {args.size_mib} MiB tree of {len(files)} files, "
              f"median of {repeat} runs")
        for name, value, note, detail in rows:
            print(f"  {name:<{width}}  {value:<22} {note}")
            if detail:
                print(f"  {'':<{width}}  {'':<22} ({detail})")
    finally:
        storage.wait_idle(60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
