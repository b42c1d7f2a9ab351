"""Benchmark of the tape medium (issue 16). Run: ``python -m bench.tape_bench [--size-mib 1024]``.

A tree of mixed file sizes (the array benchmark's: many 4-64 KiB files, some 256 KiB-4 MiB,
the rest 16 MiB) is written to tape and read back, beside ``tar`` on the same tree and disk:

- tape write: ``SimulatedTapeLibrary.write`` (what ``drmmediabackup`` does per copy group: one
  tar stream, every file hashed into the manifest, the medium fsynced and renamed into place)
  beside ``tar -cf`` of the same tree, and beside ``tar -cf`` followed by an fsync of the
  archive (the same durability). Target: at least 0.9x ``tar -cf``'s throughput. For
  information, the same stream without any fsync (``write_archive`` onto a plain file), to show
  what durability costs.
- tape restore: ``SimulatedTapeLibrary.read`` into an empty directory (manifest found, every
  member and hash checked, owners, modes and times set) beside ``tar -xpf`` of ``tar``'s own
  archive into an empty directory. Target: at least 0.9x ``tar -xpf``.

Runs alternate (tar, ours, tar, ours ...) so both see the same noise; each is preceded by a
``sync`` so no earlier run's writeback lands in it. The median of ``--repeat`` runs (default 5)
is reported with the spread (min-max) and the load average before and after. Everything
happens under a temporary directory (``--work`` to choose where) removed at the end.
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

from adapters.tape import SimulatedTapeLibrary
from adapters.tape.tar_writer import write_archive
from bench.array_bench import MIB, make_tree

TARGET = 0.9


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def timed(action) -> float:
    subprocess.run(["sync"], check=False)
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stream_only(source: Path, path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        write_archive(source, fd, "stream", sync_early=False)
    finally:
        os.close(fd)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def line(what: str, times: list[float], mib: float) -> str:
    mid = statistics.median(times)
    return (f"{what:34s} {mid:6.2f} s ({mib / mid:5.0f} MiB/s)  spread {min(times):.2f}-"
            f"{max(times):.2f}  runs " + " ".join(f"{t:.2f}" for t in times))


def ratio(what: str, peer: list[float], ours: list[float]) -> tuple[str, bool]:
    value = statistics.median(peer) / statistics.median(ours)
    return (f"  {value:.2f}x {what} (target >= {TARGET}x): {verdict(value >= TARGET)}",
            value >= TARGET)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="parent of the work directory")
    args = parser.parse_args()
    size = args.size_mib * MIB
    work = Path(tempfile.mkdtemp(prefix="drm-tape-bench-", dir=args.work))
    try:
        source = work / "svol"
        source.mkdir()
        files = make_tree(source, size, seed=5)
        library = SimulatedTapeLibrary(work / "tape", ("TP0001",))
        times: dict[str, list[float]] = {k: [] for k in ("tar", "tar_sync", "ours", "stream",
                                                          "untar", "restore")}
        before = load()
        for run in range(args.repeat):
            archive = work / "peer.tar"
            times["tar"].append(timed(lambda: subprocess.run(
                ["tar", "-cf", str(archive), "-C", str(source), "."], check=True)))
            started = time.perf_counter()
            fsync_file(archive)
            times["tar_sync"].append(times["tar"][-1] + time.perf_counter() - started)
            label = f"{run + 1:010d}.0"
            times["ours"].append(timed(lambda: library.write("TP0001", label, source)))
            times["stream"].append(timed(lambda: stream_only(source, work / "stream.tar")))
            (work / "stream.tar").unlink()
            untarred, restored = work / "untar", work / "restore"
            untarred.mkdir()
            restored.mkdir()
            times["untar"].append(timed(lambda: subprocess.run(
                ["tar", "-xpf", str(archive), "-C", str(untarred)], check=True)))
            times["restore"].append(timed(lambda: library.read("TP0001", label, restored)))
            for path in (untarred, restored):
                shutil.rmtree(path)
            archive.unlink()
            library.delete("TP0001", label)
        mib = size / MIB
        print(f"tree: {mib:.0f} MiB in {len(files)} files; {args.repeat} alternating runs; "
              f"load average {before} before, {load()} after ({os.cpu_count()} CPUs)")
        print(line("tar -cf", times["tar"], mib))
        print(line("tar -cf + fsync of the archive", times["tar_sync"], mib))
        print(line("tape write (stream+hash+fsync)", times["ours"], mib))
        print(ratio("tar -cf's throughput", times["tar"], times["ours"])[0])
        print(ratio("tar -cf + fsync's throughput", times["tar_sync"], times["ours"])[0])
        print(line("  for info: the stream, no fsync", times["stream"], mib))
        print(ratio("tar -cf's, neither fsynced", times["tar"], times["stream"])[0])
        print(line("tar -xpf", times["untar"], mib))
        print(line("tape restore (with its checks)", times["restore"], mib))
        print(ratio("tar -xpf's throughput", times["untar"], times["restore"])[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
