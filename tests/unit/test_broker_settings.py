"""Identities in the settings: a secret file puts its user into the broker URLs and turns the
checks on; ``DRM_BROKER_IDENTITIES`` overrides; embedded mode never checks; bad files are clear
errors."""
from __future__ import annotations

import json

import pytest

from services.settings import load_settings

BROKER = "amqp://guest:guest@broker.example:5672/lab"


def a_secret(tmp_path, user="drm-agent-H1", password="p@ss/word") -> str:
    path = tmp_path / "secret.json"
    path.write_text(json.dumps({"user": user, "password": password}))
    return str(path)


def settings(tmp_path, **env):
    return load_settings({"DRM_DATA_DIR": str(tmp_path), **env})


def test_a_secret_file_replaces_the_urls_credentials_and_turns_identities_on(tmp_path):
    loaded = settings(tmp_path, DRM_BROKER_URL=BROKER, DRM_BROKER_SECRET_FILE=a_secret(tmp_path),
                      DRM_STREAM_URL="rabbitmq-stream://broker.example:5552/lab")
    assert loaded.broker_url == "amqp://drm-agent-H1:p%40ss%2Fword@broker.example:5672/lab"
    assert loaded.stream_url == "rabbitmq-stream://drm-agent-H1:p%40ss%2Fword@broker.example:5552/lab"
    assert loaded.identities


def test_without_a_secret_file_identities_are_off_unless_asked_for(tmp_path):
    assert not settings(tmp_path, DRM_BROKER_URL=BROKER).identities
    assert settings(tmp_path, DRM_BROKER_URL=BROKER, DRM_BROKER_IDENTITIES="on").identities
    assert not settings(tmp_path, DRM_BROKER_URL=BROKER, DRM_BROKER_IDENTITIES="off",
                        DRM_BROKER_SECRET_FILE=a_secret(tmp_path)).identities


def test_embedded_mode_never_checks_identities(tmp_path):
    loaded = settings(tmp_path, DRM_BROKER_IDENTITIES="on",
                      DRM_BROKER_SECRET_FILE=a_secret(tmp_path))
    assert loaded.embedded and not loaded.identities and loaded.broker_url == "memory://"


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"user": "u"}',
                                     '{"user": 1, "password": "p"}', "x" * 5000])
def test_a_bad_secret_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "secret.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="DRM_BROKER_SECRET_FILE=.*drm lab credentials"):
        settings(tmp_path, DRM_BROKER_URL=BROKER, DRM_BROKER_SECRET_FILE=str(path))


def test_a_missing_secret_file_and_a_bad_switch_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="DRM_BROKER_SECRET_FILE"):
        settings(tmp_path, DRM_BROKER_URL=BROKER, DRM_BROKER_SECRET_FILE=str(tmp_path / "none"))
    with pytest.raises(ValueError, match="DRM_BROKER_IDENTITIES"):
        settings(tmp_path, DRM_BROKER_URL=BROKER, DRM_BROKER_IDENTITIES="maybe")
