"""Log backups, loading a restored copy, and roll-forward (a mixin of ``SqlServerEngine``).

- ``log_backup`` writes ``<database>_<YYYYMMDDhhmmss>_<seq>.bk`` covering the LSNs from the
  last log backup up to now, then truncates the log (unless ``truncate=False``: the tail-log
  backup, which also works on an UNCONFIRMED database whose log survived). System databases,
  the SIMPLE recovery model, a database without a full backup and a chain broken by a partial
  roll-forward (manual §2.7, Figure 6-7) are refused.
- ``restored`` checks the restored files against each VDI metafile (a torn copy is refused)
  and leaves the databases LOADING or STANDBY (system databases ONLINE). A restore that
  includes system databases runs with the instance stopped and may replace ONLINE user
  databases (manual table 6-2, #1); one of user databases only needs the instance running and
  refuses an ONLINE database. The caller checks the states (``databases``) *before* it puts
  the files back; ``restored`` checks them again.
- ``apply_logs`` refuses a gap (or a log that ends too early) before applying anything, applies
  the records, and leaves the database as asked. Bringing it ONLINE after a roll-forward that
  left later log backups unapplied blocks further log backups until the next full backup.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Sequence

from adapters.sqlserver import pages
from adapters.sqlserver.catalog import DatabaseState, MetafileBody, combine
from services.agent.application_port import (LOADING, ONLINE, STANDBY, UNCONFIRMED,
                                             ApplicationError, DatabaseInfo, LogBackup, Metadata)

MAX_LOG_BACKUP_BYTES = 1 << 34
MAX_METAFILE_BYTES = 1 << 20


def _read_bounded(path: Path, limit: int, what: str) -> bytes:
    """At most ``limit`` bytes of ``path``; a longer file is refused, never read whole nor
    silently cut (a cut log backup was then blamed on its checksum)."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ApplicationError(f"{what} {path} is longer than {limit} bytes", reason="io")
    return data
FINISH_STATES = (ONLINE, LOADING, STANDBY)


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class LogMixin:
    """Needs the engine's ``cond``, ``_running``, ``_instance``, ``_save``, ``_confine``,
    ``_commit``, ``_frozen_by``, ``clock``."""

    # -- log backup ------------------------------------------------------------------------
    def log_backup(self, instance: str, database: str, target_dir: Path, *,
                   truncate: bool = True) -> LogBackup:
        folder = self._confine(target_dir, "log backup directory")
        with self.cond:
            state = self._running(instance)
            db = state.get(database)
            self._check_log_backup(db, truncate)
            try:
                first_held, records = pages.read_log(db.log_file())
            except pages.PageError as error:
                raise ApplicationError(f"database {db.name}: the transaction log is damaged "
                                       f"({error})", reason="io") from None
            if first_held > db.backed_lsn:
                raise ApplicationError(f"database {db.name}: the log no longer holds LSN "
                                       f"{db.backed_lsn}", reason="log-chain")
            covered = [r for r in records if r.lsn >= db.backed_lsn]
            first, last = db.backed_lsn, max(db.lsn + 1, db.backed_lsn)
            header = {"instance": state.name, "database": db.name, "database_id": db.database_id,
                      "first_lsn": first, "last_lsn": last, "truncated": truncate,
                      "full_lsn": db.full_lsn}
            folder.mkdir(parents=True, exist_ok=True)
            seq = db.log_seq % 9999 + 1
            raw, path = self._write_unique(folder, db.name, seq, header, covered)
            if truncate:
                pages.truncate_log(db.log_file(), db.database_id, last)
            db.backed_lsn, db.log_seq = last, db.log_seq + 1
            self._save(state)
            return LogBackup(database=db.name, path=str(path), first_lsn=first, last_lsn=last,
                             size=len(raw), sha256=_sha(raw), truncated=truncate)

    @staticmethod
    def _check_log_backup(db: DatabaseState, truncate: bool) -> None:
        if db.system:
            raise ApplicationError(f"{db.name} is a system database: no log backup", reason="state")
        if db.recovery_model == "SIMPLE":
            raise ApplicationError(f"database {db.name} uses the SIMPLE recovery model: no log "
                                   "backup", reason="state")
        allowed = (ONLINE,) if truncate else (ONLINE, UNCONFIRMED)
        if db.state not in allowed:
            raise ApplicationError(f"database {db.name} is {db.state}: a "
                                   f"{'' if truncate else 'tail-'}log backup needs "
                                   f"{' or '.join(allowed)}", reason="state")
        if db.full_lsn is None:
            raise ApplicationError(f"database {db.name} has no full backup to chain a log backup "
                                   "to", reason="log-chain")
        if db.chain_blocked:
            raise ApplicationError(f"database {db.name}: logs were rolled forward without the "
                                   "last ones; take a full backup before the next log backup",
                                   reason="log-chain")

    def _write_unique(self, folder: Path, name: str, seq: int, header: dict, records):
        stamp = self.clock()
        for _ in range(100):  # the same second and sequence number again: the next second
            text = time.strftime("%Y%m%d%H%M%S", time.localtime(stamp))
            path = folder / f"{name}_{text}_{seq:04d}.bk"
            try:
                return pages.write_log_backup(path, header, records), path
            except FileExistsError:
                stamp += 1
        raise ApplicationError(f"cannot name a log backup of {name} in {folder}", reason="io")

    # -- restore -------------------------------------------------------------------------------
    def restored(self, instance: str, databases: Sequence[str], metadata: Sequence[Metadata], *,
                 standby: bool) -> tuple[DatabaseInfo, ...]:
        with self.cond:
            state = self._instance(instance)
            loaded = [(name, self._read_metafile(name, metadata)) for name in databases]
            with_system = any(meta.get("system") for _, meta in loaded)
            if not state.running and not with_system:  # with them, the restore stops it
                raise ApplicationError(f"instance {state.name} is not running", reason="not-running")
            out = []
            for name, meta in loaded:
                db = state.find(name)
                if db is not None:
                    self._refuse_frozen(state.name, db.name)
                    if db.state == ONLINE and not with_system:
                        raise ApplicationError(f"database {db.name} is ONLINE: a restore of user "
                                               "databases only needs it deleted or offline first",
                                               reason="state")
                else:
                    db = self._adopt(state, meta)
                self._verify_copy(db, meta)
                db.lsn, db.next_row = meta["lsn"], meta["next_row"]
                db.recovery_model, db.rolled_forward = meta["recovery_model"], False
                db.state = ONLINE if db.system else (STANDBY if standby else LOADING)
                out.append(self._info(state, db))
            self._save(state)
            return tuple(out)

    def _read_metafile(self, name: str, metadata: Sequence[Metadata]) -> dict:
        match = [m for m in metadata if m.database.lower() == name.lower()]
        if not match:
            raise ApplicationError(f"no VDI metafile for database {name}", reason="not-found")
        path = self._confine(match[0].path, "VDI metafile")
        try:
            raw = _read_bounded(path, MAX_METAFILE_BYTES, "VDI metafile")
        except OSError as error:
            raise ApplicationError(f"VDI metafile {path}: {error.strerror}", reason="io") from None
        if match[0].sha256 and _sha(raw) != match[0].sha256:
            raise ApplicationError(f"VDI metafile {path} is damaged (checksum)", reason="io")
        try:
            meta = MetafileBody.model_validate_json(raw).model_dump()
        except ValueError:
            meta = None
        if meta is None or meta["database"].lower() != name.lower():
            raise ApplicationError(f"VDI metafile {path} is not a metafile of {name}",
                                   reason="io")
        meta["_path"] = str(path)
        return meta

    def _adopt(self, state, meta: dict) -> DatabaseState:
        """A database restored into an instance that did not know it (another instance or
        host): its files are beside the metafile (``META_<id>.dmp`` on the restored volume),
        else where the metafile says."""
        from adapters.sqlserver.catalog import FileState, check_name

        check_name("database", meta["database"])
        taken = {d.database_id for d in state.databases}
        db_id = meta["database_id"] if meta["database_id"] not in taken else state.next_id()
        files = []
        for entry in meta["files"]:
            beside = Path(meta["_path"]).parent / Path(entry["path"]).name
            path = beside if beside.exists() else Path(entry["path"])
            files.append(FileState(path=str(self._confine(path, "database file")),
                                   kind=entry["kind"]))
        db = DatabaseState(name=meta["database"], database_id=db_id, system=bool(meta["system"]),
                           recovery_model=meta["recovery_model"], files=files,
                           state=LOADING, backed_lsn=meta["lsn"] + 1)
        state.databases.append(db)
        return db

    @staticmethod
    def _verify_copy(db: DatabaseState, meta: dict) -> None:
        """The restored files are the ones frozen: each data file as the metafile recorded it,
        the log ending at the metafile's LSN. Otherwise the copy is torn (or not this backup)."""
        problems = []
        recorded = [e for e in meta["files"] if e.get("kind") == "data"]
        data_files = db.data_files()
        if len(recorded) != len(data_files):
            problems.append(f"{len(data_files)} data files, the metafile lists {len(recorded)}")
        for path, entry in zip(data_files, recorded):
            problems += pages.data_problems(path)
            try:
                header = pages.read_data_header(path)
            except pages.PageError:
                continue
            if (header.page_lsn, header.rows, header.crc) != (entry.get("page_lsn"),
                                                             entry.get("rows"), entry.get("crc")):
                problems.append(f"data file {path} is at LSN {header.page_lsn}, the metafile "
                                f"says {entry.get('page_lsn')}")
        try:
            first, records = pages.read_log(db.log_file())
            end = records[-1].lsn if records else first - 1
            if end != meta["lsn"]:
                problems.append(f"log file ends at LSN {end}, the metafile says {meta['lsn']}")
        except pages.PageError as error:
            problems.append(str(error))
        problems = problems or pages.copy_problems(data_files, db.log_file())
        if problems:
            raise ApplicationError(f"database {db.name}: the restored copy is not consistent "
                                   f"(torn or another backup): {'; '.join(problems)}", reason="io")

    # -- roll-forward --------------------------------------------------------------------------
    def apply_logs(self, instance: str, database: str, logs: Sequence[LogBackup], *,
                   finish: str, target: str = "") -> DatabaseInfo:
        if target:
            raise ApplicationError("SQL Server rolls forward to the end of the logs only "
                                   "(no point in time, no mark)", reason="state")
        if finish not in FINISH_STATES:
            raise ApplicationError(f"finish state: one of {', '.join(FINISH_STATES)}", reason="state")
        with self.cond:
            state = self._running(instance)
            db = state.get(database)
            if db.system:
                raise ApplicationError(f"{db.name} is a system database: nothing to recover",
                                       reason="state")
            if db.state not in (LOADING, STANDBY):
                raise ApplicationError(f"database {db.name} is {db.state}: logs apply to a "
                                       "LOADING or STANDBY database", reason="state")
            records = self._chain(db, logs)
            self._commit(db, records)
            db.rolled_forward = db.rolled_forward or bool(records)
            db.state = combine(finish)
            if finish == ONLINE:
                if db.lsn + 1 >= db.backed_lsn:
                    db.backed_lsn = db.lsn + 1
                elif db.rolled_forward:
                    db.chain_blocked = True
                else:
                    db.backed_lsn = db.lsn + 1
            self._save(state)
            return self._info(state, db)

    def _chain(self, db: DatabaseState, logs: Sequence[LogBackup]) -> list[pages.LogRecord]:
        """Every record to apply, in order; raises before anything is applied."""
        next_lsn, out = db.lsn + 1, []
        for log in logs:
            path = self._confine(log.path, "log backup")
            try:
                raw = _read_bounded(path, MAX_LOG_BACKUP_BYTES, "log backup")
                header, records = pages.read_log_backup(raw, str(path))
            except OSError as error:
                raise ApplicationError(f"log backup {path}: {error.strerror}", reason="io") from None
            except pages.PageError as error:
                raise ApplicationError(str(error), reason="io") from None
            if log.sha256 and _sha(raw) != log.sha256:
                raise ApplicationError(f"log backup {path} is damaged (checksum)", reason="io")
            if str(header.get("database", "")).lower() != db.name.lower():
                raise ApplicationError(f"log backup {path} belongs to database "
                                       f"{header.get('database')}", reason="log-chain")
            first, last = header.get("first_lsn"), header.get("last_lsn")
            if not (isinstance(first, int) and isinstance(last, int) and 1 <= first <= last):
                raise ApplicationError(f"log backup {path}: damaged header", reason="io")
            if first > next_lsn:
                raise ApplicationError(f"log backup {path} starts at LSN {first}: the log from "
                                       f"LSN {next_lsn} is missing (a gap in the chain)",
                                       reason="log-chain")
            if last < next_lsn or (last == next_lsn and first < last):  # adds nothing
                raise ApplicationError(f"log backup {path} ends at LSN {last}, before LSN "
                                       f"{next_lsn}: too early to apply", reason="log-chain")
            for record in records:
                if record.lsn >= next_lsn:
                    if record.lsn != next_lsn:
                        raise ApplicationError(f"log backup {path}: LSN {next_lsn} is missing",
                                               reason="log-chain")
                    out.append(record)
                    next_lsn += 1
            next_lsn = max(next_lsn, last)
        return out
