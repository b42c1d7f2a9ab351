"""The per-host configuration directory (spec 03 §4.10): where each file and temporary
directory lies, and that a definition's values never lead outside the allowed roots."""
from __future__ import annotations

import pytest

from adapters.config.layout import (backup_id_file, bk_temp_dirs, db_temp_dir, export_file,
                                    host_layout, init_conf_path)
from adapters.config.operation_file import parse_operation_file
from adapters.paths import BadName, PathOutsideRoot
from tests.unit.config.test_operation_file import OPERATION_A, OPERATION_B, with_value


def test_the_manuals_layout_under_the_host_root(tmp_path):
    layout = host_layout(tmp_path, "FSServer_A")
    root = tmp_path / "hosts" / "FSServer_A"
    assert layout.host_dat == root / "script" / "conf" / "host.dat"
    assert layout.operation_file("Operation_A") == root / "script/conf/_Operation_A.dat"
    assert layout.output_log == root / "log" / "drm_output.log"
    assert layout.script_log == root / "script" / "log" / "drm_script.log"
    assert layout.trace_log(16) == root / "log" / "drm_pp_trace16.log"
    assert layout.cci_default == root / "conf" / "raid" / "DEFAULT.dat"
    assert init_conf_path(None, layout, tmp_path) == tmp_path / "conf" / "init.conf"
    layout.conf.mkdir(parents=True)
    layout.init_conf.write_text("")
    assert init_conf_path(None, layout, tmp_path) == layout.init_conf
    with pytest.raises(BadName):
        host_layout(tmp_path, "../x")


def test_temporary_directories_of_the_file_server_and_the_backup_server(tmp_path):
    layout = host_layout(tmp_path, "FSServer_A")
    plain = parse_operation_file(OPERATION_B, "Operation_B")
    temp = db_temp_dir(layout, plain, None, [tmp_path])
    assert temp == layout.root / "script_work" / "Operation_B" / "DB"
    assert backup_id_file(temp, "Operation_B").name == "Operation_B.bid"
    assert export_file(temp, "Operation_B").name == "Operation_B.drm"
    clustered = parse_operation_file(OPERATION_A, "Operation_A")
    shared = tmp_path / "shared" / "PTM"
    assert db_temp_dir(layout, clustered, str(shared), [tmp_path]) == \
        tmp_path / "shared" / "script_work" / "Operation_A" / "DB"
    with pytest.raises(ValueError, match="DRM_DB_PATH"):
        db_temp_dir(layout, clustered, None, [tmp_path])
    with pytest.raises(PathOutsideRoot):
        db_temp_dir(layout, clustered, "/elsewhere/PTM", [tmp_path])
    ftp = parse_operation_file(with_value(OPERATION_A, "FTP_HOME_DIR", str(tmp_path / "ftp")),
                               "Operation_A")
    bk, ap = bk_temp_dirs(ftp, [tmp_path])
    assert bk == tmp_path / "ftp" / "script" / "Operation_A" / "BK" and ap.name == "AP"
    with pytest.raises(PathOutsideRoot):
        bk_temp_dirs(clustered, [tmp_path])  # /srv/FTP_ROOT is outside
