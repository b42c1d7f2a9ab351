"""``HostViewSnapshotted``: the agent saved its host view as of one seq (issue 16, point 3).

The event states a fact about the stream, true whatever happens to any file: the fold of this
host's events ``1..covers_seq`` (the last of which has the hash ``head_hash``), encoded in the
snapshot format ``format``/``format_version`` by the fold code ``fold``, is ``size_bytes``
bytes whose SHA-256 is ``content_sha256``. The agent writes that encoding beside its store as
a cache and starts from it only when a file matches this event and the store's chain
(``services.agent.snapshots``). The event is always the one right after ``covers_seq`` and
changes no view: the host fold treats it as position-only (``projections.host_fold``).
"""
from __future__ import annotations

from pydantic import Field

from events.base import Payload
from events.envelope import HASH_PATTERN
from events.limits import SEQ_MAX
from events.registry import REGISTRY

FINGERPRINT_PATTERN = r"^[0-9a-f]{16}$"


class HostViewSnapshotted(Payload):
    covers_seq: int = Field(ge=1, le=SEQ_MAX)
    head_hash: str = Field(pattern=HASH_PATTERN)
    content_sha256: str = Field(pattern=HASH_PATTERN)
    size_bytes: int = Field(ge=1, le=SEQ_MAX)
    format: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    format_version: int = Field(ge=1, le=1000)
    fold: str = Field(pattern=FINGERPRINT_PATTERN)


REGISTRY.register("HostViewSnapshotted", HostViewSnapshotted)
