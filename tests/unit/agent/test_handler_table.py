"""The agent's handler tables: keyed by command type, one handler per catalogue command."""
from __future__ import annotations

import pytest

from events.catalogue import CATALOGUE
from events.fs_commands import BackupFileSystem, ListCatalog
from events.host_commands import HostInfo
from services.agent.filesystem.handlers import backup_file_system
from services.agent.handlers import COMMAND_HANDLERS, QUERY_HANDLERS, host_info
from services.agent.table import DuplicateHandler, IncompleteTable, check_complete, handler_table


def test_every_catalogue_command_has_exactly_one_handler_in_the_right_table():
    check_complete(COMMAND_HANDLERS, QUERY_HANDLERS, CATALOGUE)
    assert set(COMMAND_HANDLERS) | set(QUERY_HANDLERS) == set(CATALOGUE)


def test_a_command_type_listed_twice_raises():
    with pytest.raises(DuplicateHandler, match="HostInfo"):
        handler_table([(HostInfo, host_info), (HostInfo, host_info)])


def test_a_missing_handler_is_named():
    partial = {t: h for t, h in COMMAND_HANDLERS.items() if t is not HostInfo}
    with pytest.raises(IncompleteTable, match="HostInfo: handled in no table"):
        check_complete(partial, QUERY_HANDLERS, CATALOGUE)


def test_a_query_in_the_command_table_is_refused():
    both = {**COMMAND_HANDLERS, ListCatalog: QUERY_HANDLERS[ListCatalog]}
    with pytest.raises(IncompleteTable, match="ListCatalog"):
        check_complete(both, QUERY_HANDLERS, CATALOGUE)


def test_the_backup_handler_is_the_file_system_backup_wrapped_by_the_auto_import_and_script():
    wrapper = COMMAND_HANDLERS[BackupFileSystem]  # user script around auto-import around backup
    assert wrapper is not backup_file_system
    assert wrapper.__wrapped__.__wrapped__ is backup_file_system
