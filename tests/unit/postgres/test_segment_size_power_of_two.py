"""A cluster's WAL segment size in ``PgClusterConfigured`` is what initdb accepts: a power of
two from 1 MiB to 1 GiB. Hostile finding: only the range was checked, so a forged or stored
3 MiB size passed and WAL names were then split on it."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from events import REGISTRY
from events.postgres import PgClusterConfigured
from events.registry import EventSchemaError
from tests.fuzzing import examples

BASE = {"cluster": "pg1", "files": [{"path": "/mnt/pgdata", "kind": "data",
                                     "mount_point": "/mnt/pgdata"}],
        "log_backup_dir": "/var/pg/log-backup", "metadata_dir": "/var/pg/labels"}
POWERS = [1 << n for n in range(20, 31)]


@pytest.mark.parametrize("size", POWERS)
def test_every_power_of_two_from_1_mib_to_1_gib_is_a_segment_size(size):
    assert PgClusterConfigured(**BASE, segment_size=size).segment_size == size


@pytest.mark.parametrize("size", [3 << 20, (1 << 20) + 1, 24 << 20, (1 << 30) - 1, 1000 << 20])
def test_a_size_in_range_but_not_a_power_of_two_is_refused(size):
    with pytest.raises(ValidationError, match="power of two"):
        PgClusterConfigured(**BASE, segment_size=size)


def test_a_stored_event_with_such_a_size_does_not_decode():
    version = REGISTRY.current_version("PgClusterConfigured")
    with pytest.raises(EventSchemaError, match="power of two"):
        REGISTRY.load_payload("PgClusterConfigured", version, {**BASE, "segment_size": 3 << 20})


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.integers(), st.sampled_from(POWERS), st.text(max_size=12), st.floats()))
def test_a_segment_size_is_accepted_exactly_when_initdb_would(value):
    try:
        size = PgClusterConfigured(**BASE, segment_size=value).segment_size
    except ValidationError:
        assert not (type(value) is int and value in POWERS)
    else:
        assert size in POWERS
