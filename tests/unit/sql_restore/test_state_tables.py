"""The manual's tables 6-1 to 6-4 (spec 05 §2.6), row by row, as the policy module holds them."""
from __future__ import annotations

import pytest

from services.agent.sqlserver_restore import state_tables as t
from services.agent.sqlserver_restore.state_tables import (CONDITIONAL, ERROR, NO, PASS, RUN,
                                                           SKIP)

ON, OFF, RD, RO, UN = "ONLINE", "OFFLINE", "LOADING", "STANDBY", "UNCONFIRMED"

TABLE_6_1 = [  # command, running, stopped
    ("drmsqlbackup", True, False), ("drmsqlcat", True, True),
    ("drmsqldisplay -refresh", True, False), ("drmsqldisplay", True, True),
    ("drmsqlinit", True, False), ("drmsqllogbackup", True, False),
    ("drmsqlrecover", True, False), ("drmsqlrecovertool", True, False),
]


@pytest.mark.parametrize("command, running, stopped", TABLE_6_1)
def test_table_6_1_service_state(command, running, stopped):
    assert t.service_allows(command, "RUNNING") is running
    assert t.service_allows(command, "STOPPED") is stopped


def test_table_6_1_a_restore_runs_stopped_only_with_the_system_databases():
    assert t.service_allows("drmsqlrestore", "STOPPED", includes_system=True)
    assert not t.service_allows("drmsqlrestore", "STOPPED", includes_system=False)
    assert t.service_allows("drmsqlrestore -undo", "RUNNING", includes_system=False)


Y, N, D = (PASS, ""), (NO, ""), (RUN, "")
TABLE_6_2 = {  # command: Online, Offline, Reading, Read-only, Unconfirmed
    "drmsqlbackup": (D, N, N, N, N),
    "drmsqlcat": (Y, Y, Y, Y, Y),
    "drmsqldisplay -refresh": (D, D, D, D, D),
    "drmsqldisplay": (Y, Y, Y, Y, Y),
    "drmsqlinit": (Y, Y, Y, Y, Y),
    "drmsqllogbackup -no_truncate": (D, N, N, N, D),
    "drmsqllogbackup": (D, N, N, N, N),
    "drmsqlrecover -undo": (Y, N, (RUN, RO), (RUN, RO), N),
    "drmsqlrecover -loading": (Y, N, (RUN, RD), (RUN, RD), N),
    "drmsqlrecover": (Y, N, (RUN, ON), (RUN, ON), N),
    "drmsqlrecovertool Loading": (N, N, (RUN, RD), (RUN, RD), N),
    "drmsqlrecovertool Standby": (N, N, (RUN, RO), (RUN, RO), N),
    "drmsqlrecovertool Online": (N, N, (RUN, ON), (RUN, ON), N),
    "drmsqlrestore -undo": ((CONDITIONAL, RO), (RUN, RO), (RUN, RO), (RUN, RO), (RUN, RO)),
    "drmsqlrestore": ((CONDITIONAL, RD), (RUN, RD), (RUN, RD), (RUN, RD), (RUN, RD)),
}


@pytest.mark.parametrize("command", sorted(TABLE_6_2))
def test_table_6_2_database_state(command):
    held = tuple((c.verdict, c.result) for c in
                 (t.STATE_TABLE[command][s] for s in (ON, OFF, RD, RO, UN)))
    assert held == TABLE_6_2[command]
    assert set(t.STATE_TABLE) == set(TABLE_6_2)


@pytest.mark.parametrize("undo, result", [(True, RO), (False, RD)])
def test_table_6_2_note_1_a_restore_onto_online_needs_the_system_databases(undo, result):
    command = "drmsqlrestore -undo" if undo else "drmsqlrestore"
    assert t.state_cell(command, ON, includes_system=True) == t.Cell(RUN, result)
    assert not t.state_cell(command, ON, includes_system=False).allowed


TABLE_6_3 = {  # the same verdict in all five combined columns
    "drmsqlbackup": N, "drmsqlcat": Y, "drmsqldisplay -refresh": D, "drmsqldisplay": Y,
    "drmsqlinit": N, "drmsqllogbackup -no_truncate": N, "drmsqllogbackup": N,
    "drmsqlrecover -undo": N, "drmsqlrecover -loading": N, "drmsqlrecover": N,
    "drmsqlrecovertool Loading": N, "drmsqlrecovertool Standby": N,
    "drmsqlrecovertool Online": N,
    "drmsqlrestore -undo": (RUN, RO), "drmsqlrestore": (RUN, RD),
}


@pytest.mark.parametrize("command", sorted(TABLE_6_3))
@pytest.mark.parametrize("state", t.COMBINED_STATES)
def test_table_6_3_combined_states(command, state):
    cell = t.state_cell(command, state)
    assert (cell.verdict, cell.result) == TABLE_6_3[command]


def test_a_combined_state_is_read_in_any_order_and_case():
    assert t.state_cell("drmsqlrestore", "unconfirmed+Offline").result == RD


TABLE_6_4 = {  # command: master, msdb, model, tempdb, user
    "drmsqlbackup": (RUN, RUN, RUN, NO, RUN),
    "drmsqlcat": (PASS,) * 5, "drmsqldisplay": (PASS,) * 5, "drmsqlinit": (PASS,) * 5,
    "drmsqllogbackup": (NO, NO, NO, NO, RUN),
    "drmsqlrecover": (SKIP, SKIP, SKIP, SKIP, RUN),
    "drmsqlrecovertool": (SKIP, SKIP, SKIP, ERROR, RUN),
    "drmsqlrestore": (RUN, RUN, RUN, PASS, RUN),
}


@pytest.mark.parametrize("command", sorted(TABLE_6_4))
def test_table_6_4_database_type(command):
    names = ("master", "msdb", "model", "tempdb", "Sales")
    assert tuple(t.type_cell(command, n).verdict for n in names) == TABLE_6_4[command]


def test_table_6_4_note_1_a_system_database_named_for_recovery_is_an_error():
    assert t.type_cell("drmsqlrecover", "master", named=True).verdict == ERROR
    assert t.type_cell("drmsqlrecover -undo", "MSDB", named=False).verdict == SKIP


def test_distribution_is_no_log_backup_target_but_restores_like_a_user_database():
    assert t.type_cell("drmsqllogbackup -no_truncate", "distribution").verdict == NO
    assert t.type_cell("drmsqlrestore", "distribution").verdict == RUN


def test_leaves_gives_the_resulting_state_or_the_unchanged_one():
    assert t.leaves("drmsqlrecover -loading", RO) == RD
    assert t.leaves("drmsqlrecover", ON) == ON
