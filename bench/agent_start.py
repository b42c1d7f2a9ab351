"""One agent start, timed from the inside (run by ``bench.catalog_bench`` in a fresh process).

    python -m bench.agent_start <data dir> <host> <spawned at (time.time())> [--take]

Prints one JSON line of seconds: ``interpreter`` (spawn to this module's first line: the
interpreter and site start), ``imports`` (the agent's modules), ``open_store`` (engine,
migrations check, signing key), ``load_snapshot`` (find, check against the stream, read, hash,
decode), ``tail`` (fold the events after the snapshot), ``ready`` (open_store + load_snapshot +
tail: from opening the store to the view ready), ``ready_cpu`` (the CPU time of that part, all
threads: what a loaded machine stretches into more wall time), and the seqs. With ``--take``,
also the cost of taking a snapshot after start: ``take`` (catch up, encode, hash, record the
event: what the command path pays) and ``write`` (the file, written in the background).
"""
from __future__ import annotations

import time

FIRST_LINE = time.time()

import json  # noqa: E402
import sys  # noqa: E402


def main() -> None:
    data_dir, host, spawned = sys.argv[1], sys.argv[2], float(sys.argv[3])
    figures = {"interpreter": FIRST_LINE - spawned}
    started = time.perf_counter()
    from projections.host_fold import rebuild
    from services.agent.bootstrap import open_store
    from services.agent.snapshots import snapshot_keeper
    from services.settings import load_settings

    settings = load_settings(data_dir=data_dir, database_url=None)
    figures["imports"] = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    store = open_store(settings, host)
    figures["open_store"] = time.perf_counter() - started
    keeper = snapshot_keeper(settings, host)
    started = time.perf_counter()
    view = keeper.load(store, host)
    figures["load_snapshot"] = time.perf_counter() - started
    figures["snapshot_seq"] = view.seq if view is not None else 0
    started = time.perf_counter()
    view = rebuild(store, host, view)
    figures["tail"] = time.perf_counter() - started
    figures["ready"] = figures["open_store"] + figures["load_snapshot"] + figures["tail"]
    figures["ready_cpu"] = time.process_time() - cpu  # every thread of this process
    figures["view_seq"] = view.seq
    figures["entries"] = len(view.catalog)
    if "--take" in sys.argv:
        keeper.last_seq = figures["snapshot_seq"]
        started = time.perf_counter()
        covered = keeper.take(_Started(host, store, view, rebuild))
        figures["take"] = time.perf_counter() - started
        started = time.perf_counter()
        keeper.wait()
        figures["write"] = time.perf_counter() - started
        figures["taken_at"] = covered
    print(json.dumps(figures))


class _Started:
    """What ``SnapshotKeeper.take`` uses of a ``HostAgent``, around the view built above."""

    def __init__(self, host, store, view, rebuild) -> None:
        self.host, self.store, self.view, self._rebuild = host, store, view, rebuild

    def catch_up(self):
        return self._rebuild(self.store, self.host, self.view)

    @staticmethod
    def clock():
        from datetime import datetime, timezone

        return datetime.now(timezone.utc)


if __name__ == "__main__":
    main()
