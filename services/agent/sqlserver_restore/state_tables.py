"""The manual's SQL Server state tables 6-1 to 6-4 as data, and the pure look-ups over them.

Each table is a dict literal copied cell by cell from spec 05 §2.6, so a test can check it row
by row. A cell is a ``Cell``: ``verdict`` is ``RUN`` (the manual's "Yes (DB)": the command runs
and acts on the database), ``PASS`` ("Yes": it runs and leaves the database alone), ``NO``
(refused), ``CONDITIONAL`` (table 6-2 #1: a restore onto an Online database, allowed only when
the restore includes the system databases), ``SKIP`` (table 6-4: no operation is performed) or
``ERROR`` (table 6-4: terminates with an error); ``result`` is the state the database is left in.

Decisions the manual leaves open (spec 05 §10), taken here:
- a restore onto a Reading (loading) database follows table 6-2 (Yes (DB)), not the precaution
  text that asks to delete it first;
- tempdb under ``drmsqlrecover``: no operation (``SKIP``), an error when named by ``-target``,
  like the other system databases (#1);
- ``distribution`` is a system database for ``drmsqllogbackup`` (the precautions list it) and a
  user-like database for restore and recovery (the replication example restores it by name).
"""
from __future__ import annotations

from dataclasses import dataclass

from services.agent.application_port import (LOADING, OFFLINE, ONLINE, RUNNING, STANDBY,
                                             STOPPED, UNCONFIRMED)

RUN, PASS, NO, CONDITIONAL, SKIP, ERROR = "run", "pass", "no", "conditional", "skip", "error"

# command keys: the command line form the tables name
BACKUP = "drmsqlbackup"
CAT = "drmsqlcat"
DISPLAY_REFRESH = "drmsqldisplay -refresh"
DISPLAY = "drmsqldisplay"
INIT = "drmsqlinit"
LOG_BACKUP_TAIL = "drmsqllogbackup -no_truncate"
LOG_BACKUP = "drmsqllogbackup"
RECOVER_UNDO = "drmsqlrecover -undo"
RECOVER_LOADING = "drmsqlrecover -loading"
RECOVER = "drmsqlrecover"
TOOL_LOADING = "drmsqlrecovertool Loading"
TOOL_STANDBY = "drmsqlrecovertool Standby"
TOOL_ONLINE = "drmsqlrecovertool Online"
RESTORE_UNDO = "drmsqlrestore -undo"
RESTORE = "drmsqlrestore"

SYSTEM_DATABASES = ("master", "msdb", "model", "tempdb")
LOG_SYSTEM_DATABASES = (*SYSTEM_DATABASES, "distribution")
USER = "user"


@dataclass(frozen=True)
class Cell:
    verdict: str
    result: str = ""  # the state the database is left in ("" = unchanged)

    @property
    def allowed(self) -> bool:
        return self.verdict in (RUN, PASS)


def _run(result: str = "") -> Cell:
    return Cell(RUN, result)


YES, NOT, RUN_DB = Cell(PASS), Cell(NO), Cell(RUN)

# -- table 6-1: service state x command (True = executable) --------------------------------------
SERVICE_TABLE: dict[str, dict[str, bool]] = {
    BACKUP: {RUNNING: True, STOPPED: False},
    CAT: {RUNNING: True, STOPPED: True},
    DISPLAY_REFRESH: {RUNNING: True, STOPPED: False},
    DISPLAY: {RUNNING: True, STOPPED: True},
    INIT: {RUNNING: True, STOPPED: False},
    LOG_BACKUP: {RUNNING: True, STOPPED: False},
    RECOVER: {RUNNING: True, STOPPED: False},
    "drmsqlrecovertool": {RUNNING: True, STOPPED: False},
    "drmsqlrestore (system)": {RUNNING: True, STOPPED: True},
    "drmsqlrestore (user)": {RUNNING: True, STOPPED: False},
}

# -- table 6-2: database state x command --------------------------------------------------------
_STATES = (ONLINE, OFFLINE, LOADING, STANDBY, UNCONFIRMED)
STATE_TABLE: dict[str, dict[str, Cell]] = {
    BACKUP: dict(zip(_STATES, (RUN_DB, NOT, NOT, NOT, NOT))),
    CAT: dict(zip(_STATES, (YES,) * 5)),
    DISPLAY_REFRESH: dict(zip(_STATES, (RUN_DB,) * 5)),
    DISPLAY: dict(zip(_STATES, (YES,) * 5)),
    INIT: dict(zip(_STATES, (YES,) * 5)),
    LOG_BACKUP_TAIL: dict(zip(_STATES, (RUN_DB, NOT, NOT, NOT, RUN_DB))),
    LOG_BACKUP: dict(zip(_STATES, (RUN_DB, NOT, NOT, NOT, NOT))),
    RECOVER_UNDO: dict(zip(_STATES, (YES, NOT, _run(STANDBY), _run(STANDBY), NOT))),
    RECOVER_LOADING: dict(zip(_STATES, (YES, NOT, _run(LOADING), _run(LOADING), NOT))),
    RECOVER: dict(zip(_STATES, (YES, NOT, _run(ONLINE), _run(ONLINE), NOT))),
    TOOL_LOADING: dict(zip(_STATES, (NOT, NOT, _run(LOADING), _run(LOADING), NOT))),
    TOOL_STANDBY: dict(zip(_STATES, (NOT, NOT, _run(STANDBY), _run(STANDBY), NOT))),
    TOOL_ONLINE: dict(zip(_STATES, (NOT, NOT, _run(ONLINE), _run(ONLINE), NOT))),
    RESTORE_UNDO: dict(zip(_STATES, (Cell(CONDITIONAL, STANDBY),) + (_run(STANDBY),) * 4)),
    RESTORE: dict(zip(_STATES, (Cell(CONDITIONAL, LOADING),) + (_run(LOADING),) * 4)),
}

# -- table 6-3: combined states x command (the same verdict in all five columns) ----------------
COMBINED_STATES = (f"{OFFLINE}+{UNCONFIRMED}", f"{LOADING}+{UNCONFIRMED}",
                   f"{STANDBY}+{OFFLINE}", f"{STANDBY}+{UNCONFIRMED}",
                   f"{STANDBY}+{OFFLINE}+{UNCONFIRMED}")
COMBINED_TABLE: dict[str, Cell] = {
    BACKUP: NOT, CAT: YES, DISPLAY_REFRESH: RUN_DB, DISPLAY: YES, INIT: NOT,
    LOG_BACKUP_TAIL: NOT, LOG_BACKUP: NOT,
    RECOVER_UNDO: NOT, RECOVER_LOADING: NOT, RECOVER: NOT,
    TOOL_LOADING: NOT, TOOL_STANDBY: NOT, TOOL_ONLINE: NOT,
    RESTORE_UNDO: _run(STANDBY), RESTORE: _run(LOADING),
}

# -- table 6-4: database type x command ----------------------------------------------------------
_TYPES = ("master", "msdb", "model", "tempdb", USER)
_NA, _SKIP, _ERR = Cell(NO), Cell(SKIP), Cell(ERROR)
TYPE_TABLE: dict[str, dict[str, Cell]] = {
    BACKUP: dict(zip(_TYPES, (RUN_DB, RUN_DB, RUN_DB, _NA, RUN_DB))),
    CAT: dict(zip(_TYPES, (YES,) * 5)),
    DISPLAY: dict(zip(_TYPES, (YES,) * 5)),
    INIT: dict(zip(_TYPES, (YES,) * 5)),
    LOG_BACKUP: dict(zip(_TYPES, (NOT, NOT, NOT, NOT, RUN_DB))),
    RECOVER: dict(zip(_TYPES, (_SKIP, _SKIP, _SKIP, _SKIP, RUN_DB))),
    "drmsqlrecovertool": dict(zip(_TYPES, (_SKIP, _SKIP, _SKIP, _ERR, RUN_DB))),
    RESTORE: dict(zip(_TYPES, (RUN_DB, RUN_DB, RUN_DB, YES, RUN_DB))),
}


# -- look-ups ------------------------------------------------------------------------------------
def state_parts(state: str) -> frozenset[str]:
    """``"STANDBY+OFFLINE"`` -> ``{"STANDBY", "OFFLINE"}``."""
    return frozenset(part.strip().upper() for part in state.split("+") if part.strip())


def is_system(database: str, for_log_backup: bool = False) -> bool:
    names = LOG_SYSTEM_DATABASES if for_log_backup else SYSTEM_DATABASES
    return database.lower() in names


def database_type(database: str) -> str:
    name = database.lower()
    return name if name in SYSTEM_DATABASES else USER


def service_allows(command: str, status: str, includes_system: bool = False) -> bool:
    """Table 6-1: may ``command`` run while the instance is ``status`` (RUNNING/STOPPED)?"""
    if command.startswith(RESTORE):
        command = "drmsqlrestore (system)" if includes_system else "drmsqlrestore (user)"
    elif command.startswith("drmsqlrecovertool"):
        command = "drmsqlrecovertool"
    elif command.startswith(RECOVER):
        command = RECOVER
    elif command.startswith(LOG_BACKUP):
        command = LOG_BACKUP
    return SERVICE_TABLE[command].get(status, False)


def state_cell(command: str, state: str, includes_system: bool = False) -> Cell:
    """Tables 6-2 and 6-3: the verdict for a database in ``state`` (one state or several joined
    by ``+``); a CONDITIONAL cell is resolved with ``includes_system`` (#1)."""
    parts = state_parts(state)
    if len(parts) == 1:
        cell = STATE_TABLE[command][next(iter(parts))]
    elif parts <= set(_STATES):
        cell = COMBINED_TABLE[command]
    else:
        return NOT
    if cell.verdict == CONDITIONAL:
        return Cell(RUN, cell.result) if includes_system else Cell(NO, cell.result)
    return cell


def type_cell(command: str, database: str, named: bool = False) -> Cell:
    """Table 6-4: the verdict for ``database`` by its type. A system database skipped by
    ``drmsqlrecover`` is an error when ``named`` by ``-target`` (#1); ``drmsqllogbackup`` also
    refuses ``distribution`` (the precautions)."""
    key = command
    if command.startswith("drmsqlrecovertool"):
        key = "drmsqlrecovertool"
    elif command.startswith(RECOVER):
        key = RECOVER
    elif command.startswith(LOG_BACKUP):
        key = LOG_BACKUP
        if database.lower() == "distribution":
            return NOT
    elif command.startswith(RESTORE):
        key = RESTORE
    elif command.startswith(DISPLAY):
        key = DISPLAY
    cell = TYPE_TABLE[key][database_type(database)]
    if cell.verdict == SKIP and named and key == RECOVER:
        return _ERR
    return cell


def leaves(command: str, state: str, includes_system: bool = False) -> str:
    """The state a database is left in after ``command`` (its state when unchanged)."""
    cell = state_cell(command, state, includes_system)
    return cell.result or state
