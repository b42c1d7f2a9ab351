"""The write path of the simulated instance and its row counts (a mixin of ``SqlServerEngine``).

A committed transaction inserts numbered rows: its log record is appended first (LSN + 1),
then the rows go to the data files (row ``n`` to data file ``(n - 1) % files``) and each
touched file's header page is rewritten. Writers of a frozen database wait on the engine's
condition until the thaw or the instance's own release.
"""
from __future__ import annotations

from adapters.sqlserver import pages
from adapters.sqlserver.catalog import DatabaseState
from services.agent.application_port import ONLINE, STANDBY, ApplicationError

MAX_ROWS_PER_WRITE = 100_000
TABLE_MAX = 16


class WorkloadMixin:
    """Needs the engine's ``cond``, ``_running``, ``_save``, ``_check_damage``,
    ``_wait_unfrozen``."""

    def write_rows(self, instance: str, name: str, count: int, table: str = "rows") -> tuple[int, int]:
        """Commit one transaction inserting ``count`` numbered rows; waits while the database
        is frozen. Returns ``(first row, LSN)``."""
        if not isinstance(count, int) or not 1 <= count <= MAX_ROWS_PER_WRITE:
            raise ApplicationError(f"rows per write: 1 to {MAX_ROWS_PER_WRITE}", reason="state")
        if not table.isascii() or not table.isidentifier() or len(table) > TABLE_MAX:
            raise ApplicationError(f"table name: an identifier of up to {TABLE_MAX} characters",
                                   reason="state")
        with self.cond:
            self._wait_unfrozen(instance, name)
            state = self._running(instance)
            db = state.get(name)
            if db.state != ONLINE:
                raise ApplicationError(f"database {db.name} is {db.state}: not writable",
                                       reason="state")
            if self._check_damage(db):
                self._save(state)
                raise ApplicationError(f"database {db.name}: a data file is damaged", reason="io")
            first, lsn = db.next_row, db.lsn + 1
            self._commit(db, pages.LogRecord(lsn, first, count, table))
            self._save(state)
            return first, lsn

    @staticmethod
    def _commit(db: DatabaseState, record: pages.LogRecord) -> None:
        """Log first, then the rows and header page of each data file the rows go to."""
        pages.append_log(db.log_file(), record)
        files = db.data_files()
        rows = range(record.first_row, record.first_row + record.count)
        for index, path in enumerate(files):
            mine = [r for r in rows if (r - 1) % len(files) == index]
            if mine:
                pages.append_rows(path, record.lsn, mine, record.table)
        db.lsn = record.lsn
        db.next_row = max(db.next_row, record.first_row + record.count)

    def count_rows(self, instance: str, name: str) -> dict:
        """``{"rows", "max_row", "lsn", "missing"}`` of a readable (ONLINE or STANDBY)
        database; ``missing`` counts row numbers below ``max_row`` that are absent."""
        with self.cond:
            state = self._running(instance)
            db = state.get(name)
            if db.state not in (ONLINE, STANDBY):
                raise ApplicationError(f"database {db.name} is {db.state}: not readable",
                                       reason="state")
            numbers = [row for path in db.data_files() for row, _, _ in pages.read_rows(path)]
            top = max(numbers, default=0)
            return {"rows": len(numbers), "max_row": top, "lsn": db.lsn,
                    "missing": top - len(set(numbers))}
