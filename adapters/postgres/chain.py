"""Can a backup be rolled forward to the latest WAL? A pure check of the log-backup area.

Recovery from a backup that started at ``start_lsn`` on timeline ``B`` replays WAL from the
segment holding ``start_lsn``. With ``recovery_target_timeline = latest`` PostgreSQL follows the
newest timeline that has a history file; that timeline's history must name ``B`` as an
ancestor that was left at or after ``start_lsn``, else the newest timeline *diverged* from the
backup and recovery to latest fails. Along the way, timeline ``t`` that was left at switch LSN
``s`` is read up to the segment before ``s``'s segment; the switch segment itself, and all
later ones, come from the next timeline. On the final timeline every segment up to the newest
one present is needed: a missing one in between (a *gap*) silently ends recovery early, which
is why the check refuses it before anything is applied.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from adapters.postgres.wal import (Segment, TimelineSwitch, format_lsn, parse_segment,
                                   segment_of)


@dataclass(frozen=True)
class ChainReport:
    """What a restore to latest from one backup needs, and whether the area holds it.

    ``timelines``: the timelines followed, the backup's first. ``first_needed``: the segment
    holding the backup's start. ``last_available``: the last segment of the unbroken run from
    there ('' when even the first is missing); ``end_lsn``: where that run ends (replay can
    reach at most this far). ``missing``: the segment names of every gap up to the newest
    segment present on the path (and up to ``backup_end_lsn``). ``diverged``: timelines present
    that recovery from this backup cannot follow. ``problem``: '' when ``complete``."""

    complete: bool
    timelines: tuple[int, ...]
    first_needed: str
    last_available: str
    end_lsn: int
    missing: tuple[str, ...]
    diverged: tuple[int, ...]
    problem: str


def timeline_path(target: int, backup_timeline: int, start_lsn: int,
                  histories: Mapping[int, tuple[TimelineSwitch, ...]]) -> list[tuple[int, int, int | None]]:
    """Pieces ``(timeline, from LSN, to LSN or None)`` leading from the backup to ``target``;
    empty when ``target`` does not descend from the backup's timeline after its start.

    A parent is followed up to the lowest switch LSN at or after it: a recovery that stopped
    on timeline 1 before timeline 2 began writes ``1 <S1>``, ``2 <E>`` with ``E < S1`` for
    timeline 3, and PostgreSQL reads timeline 1 up to ``E`` (timeline 2 contributes nothing)."""
    if target == backup_timeline:
        return [(target, start_lsn, None)]
    switches = histories.get(target) or ()
    index = next((i for i, s in enumerate(switches) if s.parent == backup_timeline), None)
    if index is None:
        return []
    later = switches[index:]
    ends = [min(s.switch_lsn for s in later[i:]) for i in range(len(later))]
    if ends[0] < start_lsn:
        return []
    pieces, begin = [], start_lsn
    for switch, end in zip(later, ends):
        pieces.append((switch.parent, begin, end))
        begin = max(begin, end)
    return pieces + [(target, begin, None)]


def check_chain(segment_names: Iterable[str], histories: Mapping[int, tuple[TimelineSwitch, ...]],
                start_lsn: int, backup_timeline: int, segment_size: int, *,
                backup_end_lsn: int | None = None, target_timeline: int | None = None) -> ChainReport:
    """The chain a restore to latest (or to ``target_timeline``) of the backup needs.

    ``segment_names``: finished segments present (names; ``WalNameError`` for any other name).
    ``histories``: parsed ``.history`` files by timeline. ``backup_end_lsn``: the backup's stop
    LSN, which replay must reach for the copy to be consistent."""
    present = {parse_segment(name, segment_size) for name in segment_names}
    numbers: dict[int, set[int]] = {}
    for segment in present:
        numbers.setdefault(segment.timeline, set()).add(segment.number)
    known = set(numbers) | set(histories) | {backup_timeline}
    newest = max([t for t in histories if t >= backup_timeline] + [backup_timeline])
    target = newest if target_timeline is None else target_timeline
    reachable = {t for t in known if timeline_path(t, backup_timeline, start_lsn, histories)}
    on_paths = {piece[0] for t in reachable
                for piece in timeline_path(t, backup_timeline, start_lsn, histories)}
    diverged = tuple(sorted(t for t in known if t not in on_paths and t not in reachable
                            and t >= backup_timeline))
    first = segment_of(start_lsn, backup_timeline, segment_size)
    path = timeline_path(target, backup_timeline, start_lsn, histories)
    if not path:
        return ChainReport(False, (backup_timeline,), first.name, "", start_lsn, (), diverged,
                           f"timeline {target} does not descend from the backup's timeline "
                           f"{backup_timeline} at {format_lsn(start_lsn)} (diverged)")
    missing, total, last = _gaps(_needed(path, numbers, segment_size, backup_end_lsn), numbers,
                                 segment_size)
    end = last.end_lsn if last else start_lsn
    problem = ""
    if missing:
        problem = (f"{total} WAL segment(s) missing, first {missing[0].name}: recovery "
                   f"would stop at {format_lsn(end)}")
    elif target in diverged:
        problem = f"timeline {target} diverged"
    return ChainReport(not problem, tuple(piece[0] for piece in path), first.name,
                       last.name if last else "", end, tuple(s.name for s in missing),
                       diverged, problem)


MAX_REPORTED = 1000
"""At most this many missing segment names are listed (the problem text gives the count)."""


def _needed(path: list[tuple[int, int, int | None]], numbers: Mapping[int, set[int]],
            size: int, backup_end_lsn: int | None) -> list[tuple[int, int, int]]:
    """``(timeline, first, last)`` segment-number ranges along ``path``: through the newest
    segment present on the final timeline and through the one holding ``backup_end_lsn - 1``."""
    ranges = []
    for timeline, begin, switch in path:
        first = begin // size
        if switch is not None:
            last = switch // size - 1
        else:
            last = max([n for n in numbers.get(timeline, ()) if n >= first] + [first])
            if backup_end_lsn:
                last = max(last, (backup_end_lsn - 1) // size)
        if last >= first:
            ranges.append((timeline, first, last))
    return ranges


def _gaps(ranges: list[tuple[int, int, int]], numbers: Mapping[int, set[int]], size: int
          ) -> tuple[list[Segment], int, Segment | None]:
    """The missing segments (the first ``MAX_REPORTED``), how many are missing, and the last
    segment of the unbroken run from the first range's start."""
    missing: list[Segment] = []
    total, last, broken = 0, None, False
    for timeline, first, end in ranges:
        present = sorted(n for n in numbers.get(timeline, ()) if first <= n <= end)
        expected = first
        for number in present + [end + 1]:
            if number > expected:
                broken = True
                total += number - expected
                room = max(0, MAX_REPORTED - len(missing))
                missing.extend(Segment(timeline, n, size)
                               for n in range(expected, min(number, expected + room)))
            if number <= end and not broken:
                last = Segment(timeline, number, size)
            expected = number + 1
    return missing, total, last
