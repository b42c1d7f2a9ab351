"""The SQL Server backup side as console programs, agents in-process (issue 13)."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli, clean_env
from tests.e2e.sql_story import (HOST, check_metafiles, online_backup, run_extended,
                                 stop_instances)


@pytest.fixture
def sql_cli(tmp_path):
    cli = Cli(clean_env(DRM_DATA_DIR=str(tmp_path / "data"), DRM_HOSTNAME=HOST))
    cli.run("lab", "init", "--example", check=True)
    try:
        yield cli
    finally:
        stop_instances(cli)


def test_init_backup_catalog_template_and_extended_commands(sql_cli):
    cli = sql_cli
    cli.run("default", "-metadir", "", "-vdi_timeout", "600", program="drmsqlinit", check=True)
    first = online_backup(cli)
    check_metafiles(cli, first)
    again = cli.run("default", program="drmsqlbackup", check=True)
    said = (again.stdout + again.stderr).splitlines()
    for progress in ("KAVX1017-I", "KAVX1207-I", "KAVX1371-I", "KAVX1372-I"):
        assert [line.split(" ")[0] for line in said].count(progress) == 1, said
    template = cli.run("default", "-target", "UserDB1,UserDB2", "-template",
                       program="drmsqlbackup", check=True).stdout
    assert "KAVX0086-I" in template and "KAVX1207-I" not in template
    listed = cli.run("default", "-template", program="drmsqlcat", check=True).stdout
    assert "BACKUP-ID: 0000000003" in listed
    refused = cli.run("default", "-target", "Nope", program="drmsqlbackup")
    assert refused.returncode == 1 and "DRM-11106" in refused.stderr
    assert run_extended(cli) == "0000000004"
    sent = cli.run("default", "-s", "BKServer", "-auto_import", program="drmsqlbackup",
                   check=True).stdout
    assert "KAVX5159-I" in sent  # imported on the backup server, with the SQL details
    on_bk = cli.run("default", "--host", "BKServer", program="drmsqlcat", check=True).stdout
    assert "ORIGINAL-ID: 0000000005" in on_bk and f"HOSTNAME: {HOST}" in on_bk
    shown = cli.run("default", "-cf", program="drmsqldisplay", check=True).stdout
    assert "ShadowImage" in shown and "local_0" in shown
