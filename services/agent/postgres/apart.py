"""``drm pg init``: a cluster's log backup area and label directory lie apart from every
cluster's live files. Pure: the directories come in, resolved by the handler.

A release deletes WAL files from the log backup area by name, and a restore overwrites the
cluster's volumes; so the area (and the label directory) may neither lie inside nor hold a data
directory, WAL directory (``pg_wal``) or tablespace of any cluster this host knows -- the one
being set up (whose volumes are already refused as a whole by ``decide.plan_configure``), the
clusters already set up (``PgClusterConfigured``) and those the PostgreSQL port lists. For the
same reason a cluster is refused whose files overlap another cluster's configured area.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Iterable

from services import messages
from services.agent.errors import reject

AREA_ON_CLUSTER = messages.PG_AREA_ON_CLUSTER


def overlap(a: str, b: str) -> bool:
    """``a`` and ``b`` (absolute, normalised) are one directory or one holds the other."""
    first, second = PurePosixPath(a), PurePosixPath(b)
    return first == second or first in second.parents or second in first.parents


def check_apart(cluster: str, directories: dict[str, str],
                cluster_files: Iterable[tuple[str, str, str]],
                other_areas: Iterable[tuple[str, str, str]] = ()) -> None:
    """Refuses (``KAVX0006-E``, ``DRM-10113``) when a directory of ``directories`` (what ->
    path) overlaps one of ``cluster_files`` (cluster, kind, path), or when a file of
    ``cluster`` among them overlaps one of ``other_areas`` (cluster, what, path): the areas
    the other clusters set up."""
    files = list(cluster_files)
    clashes = [f"the {what} {path} and the {kind} directory {file} of the cluster {owner}"
               for what, path in directories.items() for owner, kind, file in files
               if overlap(path, file)]
    clashes += [f"the {kind} directory {file} of the cluster {cluster} and the {what} {path} "
                f"of the cluster {owner}"
                for owner, what, path in other_areas if owner != cluster
                for own, kind, file in files if own == cluster and overlap(path, file)]
    if clashes:
        raise reject(AREA_ON_CLUSTER, "the log backup area and the label directory must lie "
                                      "apart from every cluster's live files: "
                                      + "; ".join(dict.fromkeys(clashes)))
