"""Manual Fig. 6-3: an entry of this host's own data that came back from tape (imported under a
new ID) is used up by its first restore; an entry of its own backup is not (sql-gaps)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from events import sql_restore as sql
from events.sql_restore import RestoreSqlDatabases
from projections.host_fold import fold
from services.agent.errors import CommandRejection
from services.agent.sqlserver_restore import decide
from services.agent.sqlserver_restore.facts import used_up
from tests.unit.agent_fs.views import HOST, envelopes, recorded
from tests.unit.sql_restore.test_chain_and_decide import SETTINGS, db, entry, live


def restored(backup_id: str) -> sql.SqlRestoreCompleted:
    return sql.SqlRestoreCompleted(workflow_id=f"w{backup_id}", backup_id=backup_id,
                                   original_id="0000000001", target_instance="default",
                                   databases=("DB1",))


def view_of(*payloads):
    return fold(HOST, envelopes(list(payloads)))


def test_an_entry_back_from_tape_is_used_up_by_its_first_restore():
    back = recorded("0000000002", ["VG01,DB1"]).model_copy(update={"original_id": "0000000001"})
    assert not used_up(view_of(back), view_of(back).catalog["0000000002"])
    view = view_of(back, restored("0000000002"))
    assert used_up(view, view.catalog["0000000002"])


def test_an_entry_of_its_own_backup_restores_again_and_again():
    own = recorded("0000000001", ["VG01,DB1"])
    view = view_of(own, restored("0000000001"), restored("0000000001"))
    assert not used_up(view, view.catalog["0000000001"])


def test_the_restore_of_a_used_up_entry_is_refused_before_anything_else():
    with pytest.raises(CommandRejection, match="restore it from tape again") as error:
        decide.plan_sql_restore(replace(entry("DB1"), used_up=True),
                                RestoreSqlDatabases(backup_id="0000000001", resync=True,
                                                    targets=("DB1",)),
                                HOST, live(db("DB1", "OFFLINE")), SETTINGS, "w")
    assert "DRM-10147" in error.value.text
