"""drmpginit keeps the log backup area and the label directory apart from every cluster's live
files. Hostile finding: a log area inside the roots but on *another* cluster's ``pg_wal`` was
accepted, and a release would then delete that cluster's live WAL. A refusal records nothing
and creates nothing."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from events import postgres as pg
from events.pg_commands import ConfigurePgCluster
from services import messages
from services.agent.errors import CommandRejection
from services.agent.ports import AgentPorts
from services.agent.postgres.apart import check_apart, overlap
from services.agent.postgres.handlers import configure
from tests.fuzzing import examples
from tests.unit.agent_fs.views import view_of
from tests.unit.postgres.fake_postgres import FakePostgres
from tests.unit.postgres.streams import CLUSTER, DATA, WALV, pg_maps


class TwoClusters(FakePostgres):
    """The port also lists ``other`` (not set up with drm), whose files are ``other_files``."""

    def __init__(self, files, other_files):
        super().__init__(CLUSTER, files)
        self.other = FakePostgres("other", other_files)

    def instances(self):
        return (self.name, "other")

    def databases(self, instance):
        return (self.other if instance == "other" else super()).databases(instance)


def _other_configured(root):
    return pg.PgClusterConfigured(
        cluster="other", log_backup_dir=f"{root}/pg/other/log", metadata_dir=f"{root}/pg/other/lab",
        files=(pg.PgClusterFile(path=f"{root}/mnt/other/pgdata", kind="data",
                                mount_point=f"{root}/mnt/other"),
               pg.PgClusterFile(path=f"{root}/mnt/other/pgwal", kind="wal",
                                mount_point=f"{root}/mnt/other")))


def _context(tmp_path, *, own=(), listed=None, configured=True):
    root = tmp_path / "data"
    recorded = []
    files = ((f"{DATA}/base", "data"), (f"{WALV}/wal", "wal"), *own)
    server = TwoClusters(files, listed) if listed else FakePostgres(CLUSTER, files)
    ports = AgentPorts(applications={"postgresql": server}, data_dir=root)
    events = (_other_configured(root),) if configured else ()
    return SimpleNamespace(host="DBServer", view=view_of(pg_maps(), *events), ports=ports,
                           record=recorded.extend), recorded, root


def _refused(context, log_dir, label_dir):
    with pytest.raises(CommandRejection) as refused:
        configure(ConfigurePgCluster(cluster=CLUSTER, log_backup_dir=log_dir,
                                     metadata_dir=label_dir), context)
    assert messages.PG_AREA_ON_CLUSTER in refused.value.text
    return refused.value.text


@pytest.mark.parametrize("where", ["mnt/other/pgwal", "mnt/other/pgwal/archive",
                                   "mnt/other/pgdata/pg_wal", "mnt/other"])
def test_a_log_area_on_another_set_up_clusters_directories_is_refused(tmp_path, where):
    context, recorded, root = _context(tmp_path)
    text = _refused(context, str(root / where), str(root / "pg" / "labels"))
    assert "of the cluster other" in text
    assert recorded == [] and not (root / where).exists() and not (root / "pg").exists()


def test_a_label_directory_inside_another_clusters_data_directory_is_refused(tmp_path):
    context, recorded, root = _context(tmp_path)
    _refused(context, str(root / "pg" / "log"), str(root / "mnt/other/pgdata/labels"))
    assert recorded == []


def test_a_log_area_on_a_cluster_the_port_lists_but_drm_never_set_up_is_refused(tmp_path):
    context, recorded, root = _context(tmp_path, configured=False, listed=(
        (f"{tmp_path}/data/mnt/other/pgdata", "data"), (f"{tmp_path}/data/mnt/tsx", "tablespace")))
    text = _refused(context, str(root / "mnt/tsx/wal"), str(root / "pg" / "labels"))
    assert "tablespace directory" in text and recorded == []


def test_a_log_area_on_the_clusters_own_wal_directory_is_refused(tmp_path):
    own_wal = f"{tmp_path}/data/mnt/main/pg_wal"
    context, recorded, root = _context(tmp_path, own=((own_wal, "wal"),), configured=False)
    text = _refused(context, own_wal, str(root / "pg" / "labels"))
    assert f"of the cluster {CLUSTER}" in text and recorded == []


def test_a_symlink_into_another_clusters_wal_is_refused(tmp_path):
    context, recorded, root = _context(tmp_path)
    (root / "mnt/other/pgwal").mkdir(parents=True)
    (root / "pg").mkdir()
    (root / "pg" / "log").symlink_to(root / "mnt/other/pgwal")
    _refused(context, str(root / "pg" / "log"), str(root / "pg" / "labels"))
    assert recorded == []


def test_a_cluster_whose_files_hold_another_clusters_area_is_refused(tmp_path):
    context, recorded, root = _context(tmp_path, own=((f"{tmp_path}/data/pg/other", "tablespace"),))
    text = _refused(context, str(root / "pg" / "main-log"), str(root / "pg" / "main-labels"))
    assert "log backup directory" in text and recorded == []


def test_an_area_beside_another_clusters_directories_passes(tmp_path):
    context, recorded, root = _context(tmp_path)
    configure(ConfigurePgCluster(cluster=CLUSTER, log_backup_dir=str(root / "mnt/other/logs"),
                                 metadata_dir=str(root / "pg" / "labels")), context)
    assert recorded and (root / "mnt/other/logs").is_dir()


SEGMENTS = st.lists(st.sampled_from(["a", "b", "pg_wal", "x.y", "a b"]), max_size=4)
PATHS = SEGMENTS.map(lambda parts: "/" + "/".join(parts))


def _oracle(a: str, b: str) -> bool:
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.sampled_from(["log backup directory", "label directory"]), PATHS,
                       min_size=1),
       st.lists(st.tuples(st.sampled_from([CLUSTER, "other"]),
                          st.sampled_from(["data", "wal", "tablespace"]), PATHS), max_size=4),
       st.lists(st.tuples(st.sampled_from([CLUSTER, "other"]), st.just("label directory"),
                          PATHS), max_size=3))
def test_the_check_refuses_exactly_the_overlapping_directories(directories, files, areas):
    expected = any(_oracle(d, f) for d in directories.values() for *_, f in files) or any(
        owner != CLUSTER and own == CLUSTER and _oracle(path, f)
        for owner, _, path in areas for own, _, f in files)
    try:
        check_apart(CLUSTER, directories, files, areas)
    except CommandRejection:
        assert expected
    else:
        assert not expected
    assert all(overlap(d, f) == overlap(f, d) for d in directories.values() for *_, f in files)
