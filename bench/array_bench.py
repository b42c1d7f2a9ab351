"""Benchmark of the simulated array (issues 3 and 16). Run: ``python -m bench.array_bench``.

1. Initial copy (paircreate -> PAIR) of a 1 GiB tree of mixed file sizes, next to ``cp -a``.
   Target: at least 0.8x cp's throughput.
2. Resync after 1% of the 1 GiB changed, through the change journal, next to ``rsync -a
   --delete`` of the same change onto the same older copy (``--delete`` so that rsync reaches
   the same tree). Targets: at most 5% of the initial copy's time; faster than rsync; bytes
   written at most 2% of the volume. For information: the same resync by the full comparison.
3. Resync of a 200,000-file tree with 10 files changed, next to ``rsync -a --delete`` of the
   same change onto the same older copy. Target: faster than rsync. For information: the full
   comparison.
4. Thin Image snapshot (pairsplit of a TI pair) with the same bytes changed on a 100 MiB and a
   1 GiB volume. Target: within 1.5x. For information: 1% of each volume changed.

Every measured operation runs ``--repeat`` times (default 3; snapshots ``--ti-repeat``, 9: a
snapshot takes ~30 ms, so one preemption on a loaded machine moves a run by half), alternating
with its peer so both see the same noise of the VM; the median is reported with every run. The
load average of the machine is printed at the start and the end (the VM has 2 cores shared with
other work).
Everything happens under a temporary directory that is removed at the end.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from adapters.storage.base import VolumeRef
from adapters.storage.pairs import CopyType
from adapters.storage.simulated_array import SimulatedStorage
from bench.array_workloads import MIB, change_files, change_one_percent, make_many_files, make_tree

__all__ = ["MIB", "make_tree"]  # bench.tape_bench builds its tree with them


def timed(action) -> float:
    os.sync()  # start every measurement from clean page cache state
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def rsync(src: Path, dst: Path) -> None:
    subprocess.run(["rsync", "-a", "--delete", f"{src}/", f"{dst}/"], check=True)


class Pair:
    """One SI pair of ``storage`` (MU#0) and a plain copy of its S-VOL for rsync to update."""

    def __init__(self, storage: SimulatedStorage, pvol: VolumeRef, svol: VolumeRef, mu: str = "0") -> None:
        self.storage, self.pvol, self.svol, self.mu = storage, pvol, svol, mu

    def create(self) -> None:
        self.storage.paircreate(self.pvol, self.svol, CopyType.SI, self.mu)
        self.storage.pairevtwait(self.pvol, self.mu, "PAIR", 3600)

    def resync(self, storage: SimulatedStorage | None = None) -> None:
        storage = storage or self.storage
        storage.pairresync(self.pvol, self.mu)
        storage.pairevtwait(self.pvol, self.mu, "PAIR", 3600)

    def record(self):
        return self.storage.pairdisplay(self.pvol, self.mu)


def bench_copy(storage: SimulatedStorage, pair: Pair, work: Path, repeat: int) -> tuple[list[float], list[float]]:
    """``cp -a`` and paircreate->PAIR of the P-VOL, alternately: (cp times, our times)."""
    cp_times, ours = [], []
    for n in range(repeat):
        cp_times.append(timed(lambda: subprocess.run(
            ["cp", "-a", str(storage.data_dir(pair.pvol)), str(work / "cp-copy")], check=True)))
        shutil.rmtree(work / "cp-copy")
        ours.append(timed(pair.create))
        if n < repeat - 1:
            storage.pairsplit(pair.pvol, "0", simplex=True)
            shutil.rmtree(storage.data_dir(pair.svol))
            storage.data_dir(pair.svol).mkdir()
    return cp_times, ours


def bench_resync(pair: Pair, older: Path, change, repeat: int, full: SimulatedStorage) -> dict:
    """Split, change, then our resync and rsync onto ``older`` (a copy of the S-VOL), in
    alternating order; then ``repeat`` resyncs by the full comparison (``full``)."""
    storage, pvol = pair.storage, pair.pvol
    found: dict[str, list] = {"ours": [], "rsync": [], "written": [], "full": [], "comparison": set()}
    for n in range(repeat):
        storage.pairsplit(pvol, pair.mu)
        changed = change(n)
        steps = [("ours", pair.resync), ("rsync", lambda: rsync(storage.data_dir(pvol), older))]
        for name, action in steps if n % 2 == 0 else steps[::-1]:
            found[name].append(timed(action))
        _check(storage.data_dir(pvol), storage.data_dir(pair.svol), changed)
        found["written"].append(pair.record().bytes_written)
        found["comparison"].add(pair.record().comparison)
    for n in range(repeat):
        storage.pairsplit(pvol, pair.mu)
        change(100 + n)
        found["full"].append(timed(lambda: pair.resync(full)))
        rsync(storage.data_dir(pvol), older)
    storage.pairsplit(pvol, pair.mu)  # the full comparisons made the journal forget the pair:
    pair.resync()  # one more copy by this process and the journal takes over again
    return found


def _check(pvol: Path, svol: Path, changed) -> None:
    """The files a change rewrote (when it names them) are on the S-VOL as on the P-VOL."""
    for path in changed if isinstance(changed, list) else []:
        rel = path.relative_to(pvol)
        if (svol / rel).read_bytes() != path.read_bytes():
            raise AssertionError(f"the resync left {rel} behind")


def bench_ti(storage: SimulatedStorage, volumes: list[tuple], repeat: int) -> list[tuple[float, list[float]]]:
    """(first snapshot, snapshots after a change) seconds for a TI pair on each of ``volumes``
    (``(pvol, files, size, svol, change_base)``), the volumes taking turns so that they see
    the same noise of the VM.

    The change is 1% of ``size``, or 1% of ``change_base`` when given (the same bytes as a
    smaller volume's 1%: what changed stays equal while the volume grows).
    """
    found = []
    for pvol, _files, size, svol, _base in volumes:
        storage.create_ldev(svol, size + 64 * MIB)
        storage.paircreate(pvol, svol, CopyType.TI, "5")
        found.append((timed(lambda: storage.pairsplit(pvol, "5")), []))
    for n in range(repeat):
        for (pvol, files, size, svol, base), (_first, later) in zip(volumes, found):
            storage.pairresync(pvol, "5")
            change_one_percent(storage.data_dir(pvol), files, base or size, seed=svol.ldev * 10 + n)
            later.append(timed(lambda: storage.pairsplit(pvol, "5")))
    for pvol, *_ in volumes:
        storage.pairsplit(pvol, "5", simplex=True)
    return found


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def runs(times: list[float]) -> str:
    return f"runs {' '.join(f'{t:.3f}' for t in times)}; spread {min(times):.3f}-{max(times):.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ti-repeat", type=int, default=9,
                        help="snapshots per volume (cheap, noisy)")
    args = parser.parse_args()
    size, repeat, med = args.size_mib * MIB, args.repeat, statistics.median
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="drm-array-bench-"))
    storage = SimulatedStorage(work / "arrays")
    full = SimulatedStorage(work / "arrays", journal=False)
    vol = {n: VolumeRef(serial="1", ldev=n) for n in (1, 2, 3, 4, 10, 11, 12, 13)}
    try:
        storage.define_array("1")
        for n, ldev_size in ((1, size), (2, size), (3, 1 << 30), (4, 1 << 30)):
            storage.create_ldev(vol[n], ldev_size + 64 * MIB)
        files = make_tree(storage.data_dir(vol[1]), size, seed=1)
        big = Pair(storage, vol[1], vol[2])
        cp_times, copy_times = bench_copy(storage, big, work, repeat)
        cp_time, copy_time = med(cp_times), med(copy_times)
        shutil.copytree(storage.data_dir(vol[2]), work / "older-big", symlinks=True)
        changed = {}

        def one_percent(seed: int) -> None:
            changed["big"] = change_one_percent(storage.data_dir(vol[1]), files, size, seed=2 + seed)

        resync_big = bench_resync(big, work / "older-big", one_percent, repeat, full)
        storage.pairsplit(vol[1], "0", simplex=True)

        many = make_many_files(storage.data_dir(vol[3]), args.files, seed=7)
        small_pair = Pair(storage, vol[3], vol[4])
        small_pair.create()
        shutil.copytree(storage.data_dir(vol[4]), work / "older-many", symlinks=True)
        resync_many = bench_resync(small_pair, work / "older-many",
                                   lambda seed: change_files(many, 10, seed), repeat, full)
        storage.pairsplit(vol[3], "0", simplex=True)

        storage.create_ldev(vol[10], 164 * MIB)
        small_files = make_tree(storage.data_dir(vol[10]), 100 * MIB, seed=3)
        ti_small, (_, ti_same) = bench_ti(storage, [(vol[10], small_files, 100 * MIB, vol[11], None),
                                                    (vol[1], files, size, vol[12], 100 * MIB)], args.ti_repeat)
        ti_large = bench_ti(storage, [(vol[1], files, size, vol[13], None)], args.ti_repeat)[0]
        report(args, len(files), cp_times, copy_times, resync_big, changed["big"] / size, resync_many,
               ti_small, ti_same, ti_large, load_before)
    finally:
        storage.wait_idle(60)
        shutil.rmtree(work, ignore_errors=True)


def report(args, file_count, cp_times, copy_times, big, changed, many, ti_small, ti_same, ti_large,
           load_before) -> None:
    med, mib = statistics.median, args.size_mib
    cp_time, copy_time = med(cp_times), med(copy_times)
    ours, peer = med(big["ours"]), med(big["rsync"])
    ours_many, peer_many = med(many["ours"]), med(many["rsync"])
    same_ratio = med(ti_same) / med(ti_small[1])
    rows = [
        ("cp -a of the tree", f"{cp_time:.2f} s ({mib / cp_time:.0f} MiB/s)", "", runs(cp_times)),
        ("initial copy (paircreate->PAIR)", f"{copy_time:.2f} s ({mib / copy_time:.0f} MiB/s)",
         f"{cp_time / copy_time:.2f}x cp's throughput (target >= 0.8x): {verdict(cp_time / copy_time >= 0.8)}",
         runs(copy_times)),
        (f"resync after {changed:.1%} changed ({'/'.join(sorted(big['comparison']))})", f"{ours:.3f} s",
         f"{ours / copy_time:.1%} of initial copy (target <= 5%): {verdict(ours / copy_time <= 0.05)}",
         runs(big["ours"])),
        ("  rsync -a --delete, same change", f"{peer:.3f} s",
         f"ours {ours / peer:.2f}x rsync's time (target < 1x): {verdict(ours < peer)}", runs(big["rsync"])),
        ("  bytes written by resync", f"{med(big['written']) / MIB:.1f} MiB",
         f"{med(big['written']) / (mib * MIB):.2%} of volume (target <= 2%): "
         f"{verdict(med(big['written']) / (mib * MIB) <= 0.02)}", ""),
        ("  (info) full comparison, same change", f"{med(big['full']):.3f} s",
         f"{med(big['full']) / copy_time:.1%} of initial copy", runs(big["full"])),
        (f"resync {args.files:,} files, 10 changed ({'/'.join(sorted(many['comparison']))})",
         f"{ours_many:.3f} s", "", runs(many["ours"])),
        ("  rsync -a --delete, same change", f"{peer_many:.3f} s",
         f"ours {ours_many / peer_many:.2f}x rsync's time (target < 1x): {verdict(ours_many < peer_many)}",
         runs(many["rsync"])),
        ("  (info) full comparison, same change", f"{med(many['full']):.3f} s", "", runs(many["full"])),
        ("TI first snapshot 100 MiB", f"{ti_small[0]:.3f} s", "(every chunk stored)", ""),
        ("TI snapshot 100 MiB, 1% changed", f"{med(ti_small[1]):.3f} s", "", runs(ti_small[1])),
        (f"TI snapshot {mib} MiB, same bytes changed", f"{med(ti_same):.3f} s",
         f"{same_ratio:.2f}x the 100 MiB time (target <= 1.5x): {verdict(same_ratio <= 1.5)}; "
         f"fastest runs {min(ti_same) / min(ti_small[1]):.2f}x", runs(ti_same)),
        (f"  (info) TI snapshot {mib} MiB, 1% changed", f"{med(ti_large[1]):.3f} s",
         f"{med(ti_large[1]) / med(ti_small[1]):.2f}x the 100 MiB time (10x the bytes)", runs(ti_large[1])),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Simulated array benchmark, {mib} MiB tree of {file_count} files, median of {args.repeat} "
          f"runs ({args.ti_repeat} for snapshots); load average {load_before[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    for name, value, note, detail in rows:
        print(f"  {name:<{width}}  {value:<22} {note}")
        if detail:
            print(f"  {'':<{width}}  {'':<22} ({detail})")


if __name__ == "__main__":
    main()
