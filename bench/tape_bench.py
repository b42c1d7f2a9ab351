"""Benchmark of the tape backup (issue 5). Run: ``python -m bench.tape_bench [--size-mib 1024]``.

Tape backup throughput: ``SimulatedTapeLibrary.write`` (the copy ``drmmediabackup`` makes of a
mounted S-VOL onto a medium) of a tree of mixed file sizes (the array benchmark's tree: many
4-64 KiB files, some 256 KiB-4 MiB, the rest 16 MiB), next to ``tar -cf`` of the same tree onto
the same disk. Target: at least 0.8x tar's throughput. Also, for information, the tape restore
(``read`` into an empty directory). Each is run ``--repeat`` times (default 3), tar and ours in
turn so both see the same noise, and the median is reported, with MET or NOT MET. Everything
happens under a temporary directory that is removed at the end.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from adapters.tape import SimulatedTapeLibrary
from bench.array_bench import MIB, make_tree


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def timed(action) -> float:
    subprocess.run(["sync"], check=False)
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * MIB
    work = Path(tempfile.mkdtemp(prefix="drm-tape-bench-"))
    try:
        source = work / "svol"
        source.mkdir()
        files = make_tree(source, size, seed=5)
        library = SimulatedTapeLibrary(work / "tape", ("TP0001",))
        tar_times, tape_times, restore_times = [], [], []
        for run in range(args.repeat):
            archive = work / f"run{run}.tar"
            tar_times.append(timed(lambda: subprocess.run(
                ["tar", "-cf", str(archive), "-C", str(source), "."], check=True)))
            archive.unlink()
            label = f"{run + 1:010d}.0"
            tape_times.append(timed(lambda: library.write("TP0001", label, source)))
            target = work / f"restore{run}"
            target.mkdir()
            restore_times.append(timed(lambda: library.read("TP0001", label, target)))
            shutil.rmtree(target)
            library.delete("TP0001", label)
        tar_t, tape_t = statistics.median(tar_times), statistics.median(tape_times)
        restore_t = statistics.median(restore_times)
        mib = size / MIB
        ratio = tar_t / tape_t

        def runs(times) -> str:
            return "runs " + " ".join(f"{t:.3f}" for t in times)

        print(f"tree: {mib:.0f} MiB in {len(files)} files")
        print(f"tar -cf of the tree          {tar_t:7.2f} s ({mib / tar_t:5.0f} MiB/s)  "
              f"{runs(tar_times)}")
        print(f"tape backup (medium write)   {tape_t:7.2f} s ({mib / tape_t:5.0f} MiB/s)  "
              f"{runs(tape_times)}")
        print(f"  {ratio:.2f}x tar's throughput (target >= 0.8x): {verdict(ratio >= 0.8)}")
        print(f"tape restore (for info)      {restore_t:7.2f} s ({mib / restore_t:5.0f} MiB/s)  "
              f"{runs(restore_times)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
