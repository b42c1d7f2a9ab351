"""A cluster node's agent as ``drm agent`` runs it, with an optional pause point for a kill.

``python -m tests.crash.cluster_node [<event type> <marker file>]`` (settings from the
``DRM_*`` environment, as ``drm agent``): serve the virtual server ``DRM_HOSTNAME`` as node
``DRM_NODE_NAME``. With an event type, the process stops dead right after it stored the first
event of that type (the next step never runs) and creates the marker file; the parent then
kills it with SIGKILL, so the kill lands at a known step of a workflow.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

from adapters.config.init_conf import load_init_conf
from adapters.event_store import SqlEventStore
from services.agent.cluster import run_cluster_node
from services.settings import load_settings


def pause_after(event_type: str, marker: Path) -> None:
    append = SqlEventStore.append

    def append_then_maybe_pause(self, *args, **kwargs):
        stored = append(self, *args, **kwargs)
        if any(event.type == event_type for event in stored):
            marker.touch()
            while True:  # dead to the world until the parent's SIGKILL
                time.sleep(3600)
        return stored

    SqlEventStore.append = append_then_maybe_pause


def main(event_type: str = "", marker: str = "") -> None:
    logging.basicConfig(level="INFO", stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if event_type:
        pause_after(event_type, Path(marker))
    settings = load_settings()
    run_cluster_node(settings, settings.hostname,
                     load_init_conf(settings.init_conf_file).clu_retry, threading.Event())


if __name__ == "__main__":
    main(*sys.argv[1:3])
