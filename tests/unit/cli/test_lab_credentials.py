"""``drm lab credentials DIR``: users for every lab host, CLI machine and reporting consumer,
secret files for each, refused without a lab or over existing credentials."""
from __future__ import annotations

import json
import stat

from services.cli.main import main


def test_credentials_are_written_for_the_loaded_lab(tmp_path, capsys):
    assert main(["lab", "init", "--example"]) == 0
    target = tmp_path / "creds"
    assert main(["lab", "credentials", str(target), "--reporter", "r1", "--vhost", "lab"]) == 0
    assert "DRMX5106-I" in capsys.readouterr().out
    document = json.loads((target / "definitions.json").read_text())
    assert sorted(u["name"] for u in document["users"]) == [
        "drm-agent-BKServer", "drm-agent-DBServer", "drm-agent-FSServer", "drm-cli-BKServer",
        "drm-cli-DBServer", "drm-cli-FSServer", "drm-report-r1"]
    secrets = sorted(p.name for p in (target / "secrets").iterdir())
    assert secrets == sorted(f"{u['name']}.json" for u in document["users"])
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (target / "secrets").iterdir())


def test_existing_credentials_are_kept_unless_forced(tmp_path, capsys):
    main(["lab", "init", "--example"])
    target = tmp_path / "creds"
    main(["lab", "credentials", str(target)])
    before = (target / "definitions.json").read_text()
    assert main(["lab", "credentials", str(target)]) != 0
    assert "DRMX5107-E" in capsys.readouterr().err
    assert (target / "definitions.json").read_text() == before
    assert main(["lab", "credentials", str(target), "--force"]) == 0
    assert (target / "definitions.json").read_text() != before


def test_without_a_lab_nothing_is_written(tmp_path, capsys):
    assert main(["lab", "credentials", str(tmp_path / "creds")]) != 0
    assert "DRMX5103-E" in capsys.readouterr().err
    assert not (tmp_path / "creds").exists()
