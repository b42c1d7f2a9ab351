"""What a read-only S-VOL mount costs with each guard (issue 11, item 5). Run:
``python -m bench.read_only_bench [--files 20000] [--repeat 5]``.

For a volume of ``--files`` small files in 100 directories, the time of a read-only ``mount``
plus ``unmount`` (digest at mount, guard set up, digest again and compare at unmount, guard
undone) with each guard this process may use (``bind`` needs CAP_SYS_ADMIN), beside the plain
mount of a writable volume (a symbolic link, no guard, no digest): the peer is "what a mount
cost before". Medians of ``--repeat`` runs, the guards taking turns so that they see the same
noise; the load average is printed with the figures. No target in the issue: the figures say
what the guard adds per entry.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from adapters.storage.base import VolumeRef
from adapters.storage.kernel_mounts import CAP_SYS_ADMIN, has_capability
from adapters.storage.simulated_array import SimulatedStorage

MIB = 1 << 20


def volume_of(root: Path, files: int) -> tuple[SimulatedStorage, VolumeRef]:
    storage = SimulatedStorage(root)
    storage.define_array("1")
    volume = VolumeRef(serial="1", ldev=1)
    data = storage.create_ldev(volume, 1024 * MIB)
    for n in range(files):
        directory = data / f"d{n % 100:03d}"
        directory.mkdir(exist_ok=True)
        (directory / f"f{n}").write_bytes(b"x" * 64)
    return storage, volume


def timed(storage: SimulatedStorage, volume: VolumeRef, point: Path, read_only: bool) -> float:
    started = time.perf_counter()
    storage.mount(volume, point, read_only=read_only)
    storage.unmount(point)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    guards = ["modes", "none"] + (["bind"] if has_capability(CAP_SYS_ADMIN) else [])
    with tempfile.TemporaryDirectory(prefix="drm-ro-bench-") as tmp:
        root = Path(tmp)
        _, volume = volume_of(root / "arrays", args.files)
        runs: dict[str, list[float]] = {name: [] for name in ["plain (rw link)", *guards]}
        for _ in range(args.repeat):
            runs["plain (rw link)"].append(timed(SimulatedStorage(root / "arrays"), volume,
                                                 root / "mnt", False))
            for guard in guards:
                storage = SimulatedStorage(root / "arrays", read_only_guard=guard)
                runs[guard].append(timed(storage, volume, root / "mnt", True))
    print(f"read-only mount + unmount of {args.files} files, median of {args.repeat} "
          f"(load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"  {name:<16} {median * 1000:9.1f} ms  {median / args.files * 1e6:6.2f} us/entry"
              f"  (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})")


if __name__ == "__main__":
    main()
