"""``drm lab init|show`` and ``drm pairdisplay`` through the real CLI entry point."""
import json

import pytest

import services.cli.main as cli

MINE = {name: cli.table.ENTRIES[name] for name in ("lab", "pairdisplay")}
# pairdisplay goes to the host's agent (embedded): the host whose side is shown first


@pytest.fixture
def drm(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli.table, "ENTRIES", MINE)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRM_HOSTNAME", "FSServer")

    def run(*argv):
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_example_lab_init_show_and_pairdisplay(drm, tmp_path):
    code, out, _ = drm("lab", "init", "--example")
    assert code == 0 and "3 hosts" in out and "10 copy groups" in out
    fs = tmp_path / "data" / "hosts" / "FSServer" / "mnt" / "fs1"
    assert (fs / "docs" / "readme.txt").read_text().startswith("Sample")
    code, out, _ = drm("lab", "show")
    assert code == 0 and "VG03,VOL03" in out and "remote_0" in out and "BKServer (BK)" in out
    code, out, _ = drm("pairdisplay", "-g", "VG01")
    lines = out.splitlines()
    assert lines[0].startswith("Group   PairVol(L/R)")
    assert "VOL01(L)" in lines[1] and "P-VOL PAIR" in lines[1] and "S-VOL PAIR" in lines[2]
    code, out, _ = drm("pairdisplay", "-g", "TC01", "-d", "VOL01", "--json")
    rows = json.loads(out)
    assert [r["serial"] for r in rows] == ["410001", "410002"] and rows[0]["generation"] == "remote_0"


def test_unknown_group_is_a_cci_like_error(drm):
    drm("lab", "init", "--example")
    code, _, err = drm("pairdisplay", "-g", "NOPE")
    assert code == 239 and "EX_ENOGRP" in err  # CCI's exit code of EX_ENOGRP


def test_a_second_init_is_refused_without_force(drm):
    drm("lab", "init", "--example")
    code, _, err = drm("lab", "init", "--example")
    assert code == 1 and "DRMX5102-E" in err
    assert drm("lab", "init", "--example", "--force")[0] == 0


def test_bad_lab_names_the_problem_and_creates_nothing(drm, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[hosts]]\nname = "FSServer"\nrole = "XX"\n')
    code, _, err = drm("lab", "init", str(bad))
    assert code == 1 and "DRMX5101-E" in err and "bad.toml:3: hosts[0].role" in err
    assert not (tmp_path / "data" / "lab").exists() and not (tmp_path / "data" / "arrays").exists()


def test_show_without_a_lab(drm):
    code, _, err = drm("lab", "show")
    assert code == 1 and "DRMX5103-E" in err
