"""``services.settings``: one typed settings object, the only reader of the environment."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from services.audit.bootstrap import report_database_url
from services.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = ("events", "services", "projections", "adapters")


def test_defaults_are_the_documented_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings({})
    assert settings.broker_url == "memory://" and settings.embedded
    assert settings.database_url is None and settings.stream_url is None
    assert settings.data_dir == tmp_path / ".local" / "share" / "drm"
    assert settings.namespace == "drm"
    assert settings.hostname  # this machine's name
    assert (settings.com_retry_time, settings.com_retry_wait) == (0, 10.0)
    assert settings.database_url_for("H1") == \
        f"sqlite:///{tmp_path / '.local/share/drm/hosts/H1/events.db'}"


def test_environment_then_overrides_win_and_empty_variables_count_as_unset(tmp_path):
    env = {"DRM_BROKER_URL": "amqp://u:p@broker//", "DRM_NAMESPACE": "", "DRM_HOSTNAME": "FS",
           "DRM_DATA_DIR": str(tmp_path), "DRM_COM_RETRY_WAIT": "2.5", "DRM_TEST_X": "ignored"}
    settings = load_settings(env, hostname="BK", database_url=None)
    assert settings.broker_url == "amqp://u:p@broker//" and not settings.embedded
    assert settings.namespace == "drm"          # empty: the default
    assert settings.hostname == "BK"            # override beats the environment
    assert settings.database_url is None        # a None override is no override
    assert settings.com_retry_wait == 2.5       # typed
    assert settings.data_dir == tmp_path


def test_a_given_mapping_replaces_the_process_environment(monkeypatch):
    monkeypatch.setenv("DRM_NAMESPACE", "from-process")
    assert load_settings({}).namespace == "drm"
    assert load_settings().namespace == "from-process"


def test_a_relative_data_dir_becomes_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings({"DRM_DATA_DIR": "state"}).data_dir == tmp_path / "state"


@pytest.mark.parametrize("env, named", [
    ({"DRM_COM_RETRY_TIME": "often"}, "DRM_COM_RETRY_TIME"),
    ({"DRM_COM_RETRY_WAIT": "-1"}, "DRM_COM_RETRY_WAIT"),
])
def test_a_value_that_does_not_parse_is_an_error_naming_the_variable(env, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(env)


def test_the_reporting_database_is_its_own_url_else_the_store_else_a_file(tmp_path):
    base = {"DRM_DATA_DIR": str(tmp_path)}
    assert report_database_url(load_settings(base)) == f"sqlite:///{tmp_path / 'report.db'}"
    store = {**base, "DRM_DATABASE_URL": "postgresql+psycopg://db/drm"}
    assert report_database_url(load_settings(store)) == "postgresql+psycopg://db/drm"
    own = {**store, "DRM_REPORT_DATABASE_URL": "sqlite:///r.db"}
    assert report_database_url(load_settings(own)) == "sqlite:///r.db"


def _reads_environment(tree: ast.AST) -> list[int]:
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
            and isinstance(node.value, ast.Name) and node.value.id == "os"]


def test_no_runtime_module_but_settings_reads_the_environment():
    readers = {}
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() == "services/settings.py":
                continue
            lines = _reads_environment(ast.parse(path.read_text(), str(path)))
            if lines:
                readers[path.relative_to(ROOT).as_posix()] = lines
    assert readers == {}
