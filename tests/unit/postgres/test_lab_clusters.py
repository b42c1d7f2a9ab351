"""PostgreSQL clusters declared in a lab: checked against the host's mount points."""
from __future__ import annotations

import copy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.lab.checking import LabError, lab_from_data
from adapters.lab.postgres import cluster_specs
from adapters.lab.provision import mount_path
from tests.fuzzing import JSON_VALUES, examples
from tests.pg_lab import CLUSTER, HOST, lab_data


def problems_of(data: dict) -> str:
    with pytest.raises(LabError) as caught:
        lab_from_data(data, "lab.toml")
    return str(caught.value)


def test_a_declared_cluster_gets_its_directories_below_the_mount_points(tmp_path):
    lab = lab_from_data(lab_data(55432), "lab.toml")
    (spec,) = cluster_specs(lab, tmp_path, HOST, mount_path)
    assert spec.name == CLUSTER and spec.port == 55432
    assert spec.data_dir == tmp_path / f"hosts/{HOST}/mnt/pgdata/pgdata"
    assert spec.wal_dir == tmp_path / f"hosts/{HOST}/mnt/pgwal/pgwal"
    assert spec.tablespaces == (("ts1", tmp_path / f"hosts/{HOST}/mnt/pgts/pgts"),)
    assert spec.run_dir.is_relative_to(tmp_path / "pg") and spec.segment_size == 1 << 20
    assert cluster_specs(lab, tmp_path, "OtherHost", mount_path) == ()


def test_the_wal_directory_on_the_data_volume_is_refused():
    data = lab_data(55432)
    data["postgres_clusters"][0]["wal"] = data["postgres_clusters"][0]["data"]
    assert "same volume" in problems_of(data)


def test_a_path_that_is_no_mount_point_of_the_host_is_refused():
    data = lab_data(55432)
    data["postgres_clusters"][0]["data"] = "hosts/DBServer/elsewhere"
    assert "is not a mount point of DBServer" in problems_of(data)


def test_the_system_port_and_an_unknown_host_are_refused():
    data = lab_data(5432)
    assert "5432 belongs to the system server" in problems_of(data)
    data = lab_data(55432)
    data["postgres_clusters"][0]["host"] = "Nobody"
    assert "no host Nobody" in problems_of(data)


def test_two_clusters_on_one_port_are_refused():
    data = lab_data(55432)
    data["postgres_clusters"].append(copy.deepcopy(data["postgres_clusters"][0]) | {"name": "pg2"})
    assert "55432 is used twice" in problems_of(data)


@pytest.mark.parametrize("field,value", [("name", "1bad"), ("name", "a" * 40), ("port", 80),
                                         ("wal_segment_mb", 3), ("wal_segment_mb", 2048),
                                         ("unknown", 1)])
def test_bad_cluster_fields_are_refused(field, value):
    data = lab_data(55432)
    data["postgres_clusters"][0][field] = value
    assert "postgres_clusters" in problems_of(data)


@settings(max_examples=examples(200), deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "host", "data", "wal", "port", "tablespaces",
                                        "wal_segment_mb", "os_user", "other"]),
                       JSON_VALUES, max_size=9))
def test_any_cluster_table_is_a_lab_or_a_lab_error(fields):
    data = lab_data(55432)
    data["postgres_clusters"][0].update(fields)
    try:
        lab = lab_from_data(data, "lab.toml")
    except LabError:
        return
    assert len(lab.postgres_clusters) == 1
