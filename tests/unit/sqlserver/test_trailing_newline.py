"""``re.match`` with ``$`` lets a trailing newline through (``"DB01\\n"`` matched
``^[A-Za-z0-9_]…$``): names, backup IDs and WAL file names are matched whole."""
from __future__ import annotations

import pytest

from adapters.postgres.wal import WalNameError, classify, parse_history_name, parse_segment
from adapters.sqlserver.catalog import check_name
from services.agent.application_port import ApplicationError
from services.cli.errors import CliError
from services.cli.sql_args import check_sql_name

SIZE = 16 * 1024 * 1024


def test_a_sql_name_with_a_trailing_newline_is_refused():
    with pytest.raises(ApplicationError):
        check_name("database", "DB01\n")
    with pytest.raises(CliError):
        check_sql_name("DB01\n")
    assert check_name("database", "DB01") == "DB01"


@pytest.mark.parametrize("name", ["000000010000000000000002\n", "00000002.history\n"])
def test_a_wal_file_name_with_a_trailing_newline_is_not_a_wal_file(name):
    assert classify(name, SIZE) == "other"
    with pytest.raises(WalNameError):
        (parse_segment(name, SIZE) if "history" not in name else parse_history_name(name))


def test_a_freeze_backup_id_with_a_trailing_newline_is_refused(lab):
    with pytest.raises(ApplicationError, match="backup ID"):
        lab.engine.freeze("default", ["DB1"], 60, lab.root / "meta", "0000000001\n")
    assert lab.engine.frozen() == ()
