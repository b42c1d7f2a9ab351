"""DEFAULT.dat and copy parameter files (spec 02 §4): the appendix's files, the manual's
fall-backs, the copy-pace precedence, and hypothesis over arbitrary parameters."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.config.cci_default import (KNOWN, RETRY_KEYS, CciLinkage, PairWait,
                                         apply_copy_parameters, copy_pace, load_cci_default,
                                         load_copy_parameters, parse_cci_default)
from adapters.config.lines import ConfigError, decode_config
from tests.fuzzing import examples

DB_SERVER = ("HORCMINST=1\nHORCMINST_AUX=2\nRETRY_TIME=120\nRETRY_WAIT=5\nVENDER=HITACHI\n"
             "PRODUCT=OPEN-3\nINSTALLPATH=/opt/HORCM\n")


def test_the_appendix_file_and_the_purpose_fallbacks():
    cci = parse_cci_default(DB_SERVER)
    assert (cci.horcminst, cci.horcminst_aux) == ((1,), (2,))
    assert cci.retry == cci.resync == cci.split == cci.restore == PairWait(120, 500)
    assert cci.busy == PairWait(3, 100) and cci.copy_size is None and cci.warnings == ()
    assert cci.install_path == "/opt/HORCM" and cci.files[0][0] == "DEFAULT.dat"
    assert cci.retry.wait_seconds == 5.0


def test_several_instances_and_every_parameter():
    cci = parse_cci_default("HORCMINST=0\nHORCMINST_AUX=1\nHORCMINST=2\nHORCMINST_AUX=3\n"
                            "RESYNC_RETRY_WAIT=1000\nSPLIT_RETRY_TIME=0\nBUSY_RETRY_WAIT=1\n"
                            "COPY_SIZE=7\nPAIR_CREATE=ENABLE\nDEVICE_DETACH=ENABLE\n"
                            "CONFIRM_GENERATION_IDENTICAL=DISABLE\n"
                            "RECOVERY_MODE_ON_BACKUP_ABORTING=PAIRSPLIT\nVENDER=H\nPRODUCT=P\n")
    assert cci.horcminst == (0, 2) and cci.horcminst_aux == (1, 3)
    assert cci.resync == PairWait(120, 1000) and cci.split == PairWait(0, 500)
    assert cci.busy == PairWait(3, 1) and cci.copy_size == 7
    assert cci.pair_create and cci.device_detach and not cci.confirm_generation_identical
    assert cci.recovery_mode == "PAIRSPLIT" and cci.warnings == ()


@pytest.mark.parametrize("line, why", [
    ("RETRY_TIME=3601", "0-3600"), ("RESYNC_RETRY_WAIT=360001", "0-360000"),
    ("BUSY_RETRY_TIME=0", "1-3600"), ("COPY_SIZE=16", "1-15"), ("COPY_SIZE=0", "1-15"),
    ("PAIR_CREATE=yes", "DISABLE, ENABLE"), ("HORCMINST=x", "ignored"),
    ("retry_time=5", "not a parameter"), ("COLOUR=red", "not a parameter"),
])
def test_a_bad_value_falls_back_with_a_located_warning(line, why):
    cci = parse_cci_default(DB_SERVER + line + "\n")
    assert any(w.startswith("DEFAULT.dat line 8:") and why in w for w in cci.warnings)
    assert cci.retry == PairWait(120, 500) and cci.busy == PairWait(3, 100)


def test_missing_file_and_required_keys_are_warned(tmp_path):
    assert load_cci_default(tmp_path / "DEFAULT.dat").warnings
    cci = parse_cci_default("RETRY_TIME=10\n")
    assert {w.split(": ")[1] for w in cci.warnings} == {"HORCMINST", "VENDER", "PRODUCT"}
    (tmp_path / "DEFAULT.dat").write_bytes(b"\xff")
    with pytest.raises(ConfigError):
        load_cci_default(tmp_path / "DEFAULT.dat")


def test_a_copy_parameter_file_overrides_for_one_run(tmp_path):
    base = parse_cci_default(DB_SERVER)
    pf = tmp_path / "remote.dat"
    pf.write_text("RETRY_WAIT=60\nSPLIT_RETRY_TIME=10\nRESTORE_RETRY_WAIT=999999\n"
                  "COPY_SIZE=3\nretry_time=1\n")
    run = load_copy_parameters(base, pf)
    assert run.retry == PairWait(120, 6000) and run.split == PairWait(10, 500)
    assert run.restore == base.restore  # invalid: DEFAULT.dat's value
    assert run.copy_size is None  # COPY_SIZE is not a copy parameter
    assert len(run.warnings) == 3 and [f for f, _ in run.files] == ["DEFAULT.dat", str(pf)]
    with pytest.raises(FileNotFoundError):
        load_copy_parameters(base, tmp_path / "none.dat")


def test_copy_pace_precedence():
    cci = CciLinkage(copy_size=8)
    assert copy_pace(3, 5, cci) == 3 and copy_pace(None, 5, cci) == 5
    assert copy_pace(None, None, cci) == 8 and copy_pace(None, None, CciLinkage()) is None


LINES = st.builds(lambda k, v: f"{k}={v}", st.sampled_from(sorted(KNOWN) + ["X"]),
                  st.one_of(st.integers(-5, 400_000).map(str), st.text(max_size=10),
                            st.sampled_from(["ENABLE", "DISABLE", "ASIS", "PAIRSPLIT"])))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.one_of(LINES, st.text(max_size=30)), max_size=25), st.booleans())
def test_any_file_gives_values_in_the_manuals_ranges(lines, as_pf):
    text = "\n".join(lines)
    if as_pf:
        cci = apply_copy_parameters(CciLinkage(), decode_config(text.encode("utf-8",
                                    "surrogatepass"), "pf", "copy parameter file"))
    else:
        cci = parse_cci_default(text)
    for wait in (cci.retry, cci.resync, cci.split, cci.restore, cci.restore_delay):
        assert 0 <= wait.retry_time <= 3600 and 0 <= wait.retry_wait_10ms <= 360000
    assert 1 <= cci.busy.retry_time <= 3600 and 1 <= cci.busy.retry_wait_10ms <= 360000
    assert cci.copy_size is None or 1 <= cci.copy_size <= 15
    assert all(0 <= n <= 2047 for n in cci.horcminst + cci.horcminst_aux)
    assert set(RETRY_KEYS) <= KNOWN
