"""The backup ID file <op>.bid and the host's script log writer from host.dat."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.config.backup_id_file import read_backup_id, write_backup_id
from adapters.config.layout import host_layout
from adapters.config.lines import ConfigError
from adapters.operator_logs.script_log import host_script_log
from tests.fuzzing import examples


def test_write_then_read(tmp_path):
    path = tmp_path / "Operation_A.bid"
    write_backup_id(path, "0000000001")
    assert path.read_text() == "0000000001\n" and read_backup_id(path) == "0000000001"
    write_backup_id(path, "0000000002")
    assert read_backup_id(path) == "0000000002" and len(list(tmp_path.iterdir())) == 1
    with pytest.raises(ValueError):
        write_backup_id(path, "12")
    with pytest.raises(FileNotFoundError):
        read_backup_id(tmp_path / "none.bid")


@settings(max_examples=examples(200), deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_backup_id_or_a_located_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bid") / "op.bid"
    path.write_bytes(data)
    try:
        value = read_backup_id(path)
    except ConfigError as error:
        assert str(path) in str(error)
        return
    assert len(value) == 10 and value.isdigit()


def test_the_hosts_script_log_takes_max_log_lines_from_host_dat(tmp_path):
    layout = host_layout(tmp_path, "FSServer")
    default = host_script_log(layout.script_log, layout.host_dat, layout.output_log)
    assert default.max_lines == 1000
    layout.script_conf.mkdir(parents=True)
    layout.host_dat.write_text("HOST_ROLE=DB\nMAX_LOG_LINES=5000\n")
    assert host_script_log(layout.script_log, layout.host_dat, layout.output_log).max_lines \
        == 5000
    layout.host_dat.write_text("HOST_ROLE=DB\nMAX_LOG_LINES=5\n")
    with pytest.raises(ConfigError, match="MAX_LOG_LINES"):
        host_script_log(layout.script_log, layout.host_dat, layout.output_log)
