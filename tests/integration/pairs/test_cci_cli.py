"""The CCI commands from the command line (in-process, embedded agents): options, instance
selection from -I and CCI's variables, display forms, and CCI's exit codes."""
from __future__ import annotations

import json

import pytest

import services.cli.main as cli
from tests.fs_lab import init_example_lab


@pytest.fixture
def cci(tmp_path, monkeypatch, capsys):
    init_example_lab(tmp_path / "data")
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRM_HOSTNAME", "FSServer")
    for name in ("HORCMINST", "HORCC_MRCF"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv):
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_split_display_resync_and_wait_with_cci_exit_codes(cci):
    assert cci("pairsplit", "-g", "TC01", "-d", "VOL01")[0] == 0
    code, out, _ = cci("pairdisplay", "-g", "TC01", "-l")
    assert code == 0 and len(out.splitlines()) == 2 and "P-VOL PSUS" in out
    assert cci("pairevtwait", "-g", "TC01", "-nowait")[0] == 4  # PSUS
    assert cci("pairevtwait", "-g", "TC01", "-nowaits")[0] == 4  # SSUS
    assert cci("pairresync", "-g", "TC01")[0] == 0
    assert cci("pairevtwait", "-g", "TC01", "-s", "pair", "-t", "30")[0] == 0
    assert cci("pairevtwait", "-g", "TC01", "-nowait")[0] == 3  # PAIR


def test_pairevtwait_times_out_with_ewstot(cci):
    code, _, err = cci("pairevtwait", "-g", "TC01", "-s", "psus", "-t", "0.3")
    assert code == 233 and "DRMX5113-E [EX_EWSTOT]" in err and "TC01,VOL01 is PAIR" in err


def test_pairevtwait_on_a_suspended_pair_is_ewsuse(cci):
    assert cci("pairsplit", "-g", "TC01", "-E")[0] == 0
    code, _, err = cci("pairevtwait", "-g", "TC01", "-s", "pair", "-t", "5")
    assert code == 234 and "EX_EWSUSE" in err
    assert cci("pairevtwait", "-g", "TC01", "-s", "psue", "-t", "1")[0] == 0
    assert cci("pairevtwait", "-g", "TC01", "-nowait")[0] == 5


@pytest.mark.parametrize("argv, code, name", [
    (("pairsplit", "-g", "NOPE"), 239, "EX_ENOGRP"),
    (("pairsplit", "-g", "TC01", "-d", "NOPE"), 246, "EX_ENODEV"),
    (("pairsplit", "-g", "TC01", "-IM"), 241, "EX_INVMOD"),
    (("pairsplit", "-g", "VG01", "-ITC1"), 241, "EX_INVMOD"),
    (("pairsplit", "-g", "TC01", "-IX"), 253, "EX_INVARG"),
    (("pairsplit", "-g", "TC01", "-I99999"), 253, "EX_INVARG"),
    (("pairsplit", "-g", "TC01", "-r", "-S"), 253, "EX_INVARG"),
    (("pairresync", "-g", "TC01", "-restore", "-swaps"), 253, "EX_INVARG"),
    (("paircreate", "-g", "TC01"), 253, "EX_INVARG"),
    (("pairresync", "-g", "VG01", "-swaps"), 241, "EX_INVMOD"),
    (("horctakeover", "-g", "VG01"), 241, "EX_INVMOD"),
])
def test_bad_group_device_instance_and_options_are_cci_errors_that_change_nothing(
        cci, argv, code, name):
    got, _, err = cci(*argv)
    assert got == code and name in err
    _, out, _ = cci("pairdisplay", "-g", argv[2], "--json") if argv[2] != "NOPE" else (0, "[]", "")
    assert all(row["status"] == "PAIR" for row in json.loads(out))


def test_horcc_mrcf_selects_shadowimage_and_an_explicit_instance_wins(cci, monkeypatch):
    monkeypatch.setenv("HORCC_MRCF", "1")
    assert cci("pairsplit", "-g", "TC01")[0] == 241  # MRCF mode on a TrueCopy group
    assert cci("pairsplit", "-g", "TC01", "-IH")[0] == 0  # -IH wins over HORCC_MRCF
    monkeypatch.setenv("HORCMINST", "5")
    assert cci("pairsplit", "-g", "VG01")[0] == 0
    code, out, _ = cci("log", "--json", "--host", "FSServer")
    events = [json.loads(line) for line in out.splitlines()]
    results = [e["payload"]["result"] for e in events if e["type"] == "CommandCompleted"]
    assert [(r["mode"], r["instance"]) for r in results] == [("TC", None), ("SI", 5)]


def test_an_unparsable_horcminst_names_the_variable(cci, monkeypatch):
    monkeypatch.setenv("HORCMINST", "one")
    code, _, err = cci("pairdisplay", "-g", "TC01")
    assert code == 1 and "HORCMINST" in err


def test_drm_pair_words_run_the_same_entries(cci):
    assert cci("pair", "split", "-g", "VG02")[0] == 0
    code, out, _ = cci("pair", "display", "-g", "VG02", "-fx", "-CLI")
    lines = out.splitlines()
    assert lines[0].startswith("Group PairVol L/R") and " 0100 P-VOL PSUS " in lines[1]
    assert cci("pair", "evtwait", "-g", "VG02", "-s", "psus", "-t", "1")[0] == 0
    assert cci("pair", "resync", "-g", "VG02")[0] == 0


def test_raidscan_lists_the_ldevs_of_a_port_and_their_pairs(cci):
    code, out, _ = cci("raidscan", "-p", "CL1-B")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4  # header + VOL01..03 S-VOLs
    assert all("S-VOL" in line and "PAIR" in line for line in lines[1:])
    code, out, _ = cci("raidscan", "-p", "CL1-A", "--json")
    rows = json.loads(out)
    assert sorted((r["copy_type"], r["mu"]) for r in rows) == [
        ("SI", "0"), ("SI", "1"), ("SI", "2"), ("TC", "-")]
    assert cci("raidscan", "-p", "CL9-Z")[0] == 205  # EX_ENOOBJ
