"""The restore-point proof, pure: which WAL a backup needs, whether the log backups hold it,
and how far ``latest`` can get. Also the retention rule that releases WAL only superseded
backups needed.

A backup on timeline T needs every segment from the one holding its start LSN to the one
holding its stop LSN, on T: without them it is no consistent copy (``complete`` False, the
restore is refused). Recovery to ``latest`` follows the newest timeline whose history descends
from T at or after the backup's stop; a newest timeline that left T before the backup ended (or
left another history) has *diverged*: recovery along it from this backup is impossible and is
reported. Along the path the segments of timeline T run up to the one holding the switch LSN,
which is read from the next timeline (PostgreSQL copies it there), and so on; the first
missing segment is the gap where ``latest`` stops.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from services.agent.postgres.wal import (DEFAULT_SEGMENT_SIZE, format_lsn, parse_segment,
                                         segment_name, segment_of)

MAX_WALK = 1_000_000  # segments followed past the stop (16 TiB of WAL at 16 MiB)


@dataclass(frozen=True)
class ChainReport:
    """``needed``: the first and last segment a consistent restore needs; ``missing``: those
    of them not in the log backups; ``latest``: the last segment ``latest`` recovery reaches
    (on ``latest_timeline``), ``gap``: the first missing one after it (None: none known
    missing, the chain ends at the newest log backup); ``diverged``: why ``latest`` cannot
    follow the newest timeline from this backup ("" when it can)."""

    timeline: int
    needed: tuple[str, str]
    missing: tuple[str, ...]
    latest: str
    latest_timeline: int
    gap: str | None = None
    diverged: str = ""
    path: tuple[int, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict:
        return {"timeline": self.timeline, "needed_from": self.needed[0],
                "needed_to": self.needed[1], "complete": self.complete,
                "missing": list(self.missing), "latest": self.latest,
                "latest_timeline": self.latest_timeline, "gap": self.gap,
                "diverged": self.diverged, "timelines": list(self.path)}


def check_chain(timeline: int, start_lsn: int, stop_lsn: int, segments: Iterable[str],
                histories: Mapping[int, tuple[tuple[int, int], ...]],
                segment_size: int = DEFAULT_SEGMENT_SIZE) -> ChainReport:
    """``segments``: names of the WAL segments in the log backups (``.partial`` count as
    present); ``histories``: timeline -> its history ((parent, switch LSN), …)."""
    have = set()
    for name in segments:
        have.add(parse_segment(name, segment_size))
    first = segment_of(start_lsn, segment_size)
    last = segment_of(max(stop_lsn - 1, start_lsn), segment_size)  # the stop LSN ends a record
    needed = tuple(segment_name(timeline, n, segment_size) for n in (first, last))
    missing = tuple(segment_name(timeline, n, segment_size) for n in range(first, last + 1)
                    if (timeline, n) not in have)
    path, diverged = _timeline_path(timeline, stop_lsn, histories)
    switches = _switch_segments(path, histories, segment_size)
    reached, gap = None, None
    number = first
    while number - last <= MAX_WALK:
        on = next((t for t, until in switches if until is None or number < until), path[-1])
        if (on, number) not in have:
            gap = (on, number) if _beyond(number, have) else None
            break
        reached, number = (on, number), number + 1
    latest = segment_name(*reached, segment_size) if reached else ""
    return ChainReport(timeline=timeline, needed=needed, missing=missing, latest=latest,
                       latest_timeline=reached[0] if reached else timeline,
                       gap=segment_name(*gap, segment_size) if gap else None,
                       diverged=diverged, path=path)


def _beyond(number: int, have: set) -> bool:
    """A segment is a gap (not the chain's end) when a later one is in the log backups."""
    return any(n > number for _, n in have)


def _timeline_path(timeline: int, stop_lsn: int, histories) -> tuple[tuple[int, ...], str]:
    """The timelines ``latest`` walks from ``timeline``, and why it cannot go further."""
    newest = max([timeline, *histories])
    if newest == timeline:
        return (timeline,), ""
    ancestry = histories.get(newest, ())
    parents = [parent for parent, _ in ancestry]
    if timeline not in parents:
        return (timeline,), (f"timeline {newest} does not descend from timeline {timeline}: "
                             f"recovery to latest stops on timeline {timeline}")
    switch = dict(ancestry)[timeline]
    if switch < stop_lsn:
        return (timeline,), (f"timeline {newest} left timeline {timeline} at "
                             f"{format_lsn(switch)}, before this backup ended at "
                             f"{format_lsn(stop_lsn)}: the backup is on a diverged timeline")
    after = parents[parents.index(timeline) + 1:]
    return (timeline, *after, newest), ""


def _switch_segments(path, histories, segment_size) -> list[tuple[int, int | None]]:
    """Per timeline of ``path``, the segment number from which the next one is read."""
    if len(path) == 1:
        return [(path[0], None)]
    switches = dict(histories.get(path[-1], ()))
    return [*((t, segment_of(switches[t], segment_size)) for t in path[:-1]), (path[-1], None)]


def releasable(live_starts: Iterable[tuple[int, int]], files: Iterable[str],
               segment_size: int = DEFAULT_SEGMENT_SIZE) -> tuple[str, ...]:
    """The WAL files no live backup needs: segments, partials and backup history files before
    the oldest live backup's start segment. History files are kept (tiny, and every later
    timeline needs its ancestry). No live backup: nothing is released."""
    starts = [segment_of(lsn, segment_size) for _, lsn in live_starts]
    if not starts:
        return ()
    oldest = min(starts)
    released = []
    for name in files:
        if name.endswith(".history"):
            continue
        if parse_segment(name[:24], segment_size)[1] < oldest:
            released.append(name)
    return tuple(sorted(released))
