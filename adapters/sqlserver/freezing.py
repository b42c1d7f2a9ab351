"""VDI freeze and thaw of the simulated instance (a mixin of ``SqlServerEngine``).

``freeze`` holds the writes of the named databases and writes one VDI metafile per database:
``<metadata_dir>/<backup_id>_<database-ID>.dmp`` or, with no directory,
``META_<database-ID>.dmp`` beside the primary data file (IDs as 10 digits). The instance
releases a freeze by itself when it outlives its timeout (a timer) or when its owner goes away
(``release_owner``: the server calls it when a connection closes); a later ``thaw`` of such a
freeze raises ``ApplicationError(reason="frozen-timeout")``. A thaw that comes in time counts
as a full backup of each database (the log-backup chain starts over from it).
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from adapters.sqlserver import pages
from services.agent.application_port import ONLINE, ApplicationError, Freeze, Metadata

BACKUP_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_TIMEOUT = 86_400.0  # seconds; 0 means no limit (the client's disconnect still releases)
METAFILE_FORMAT = "simvdi-1"
MAX_ENDED = 1024  # how many released freezes a late thaw can still be told about


def metafile_name(backup_id: str | None, database_id: int) -> str:
    return f"{backup_id}_{database_id:010d}.dmp" if backup_id is not None \
        else f"META_{database_id:010d}.dmp"


@dataclass
class _Held:
    freeze: Freeze
    folded: frozenset[str]
    owner: object
    lsns: dict[str, int]
    timer: threading.Timer | None = field(default=None, repr=False)


class FreezeMixin:
    """Freeze bookkeeping; needs the engine's ``cond``, ``_running``, ``_save``."""

    def _init_freezes(self) -> None:
        self._held: dict[str, _Held] = {}
        self._ended: dict[str, str] = {}  # token -> why the instance released it

    # -- queries used by writers and administration --------------------------------------------
    def _frozen_by(self, instance: str, database: str) -> _Held | None:
        key = (instance.lower(), database.lower())
        return next((h for h in self._held.values()
                     if h.freeze.instance.lower() == key[0] and key[1] in h.folded), None)

    def _refuse_frozen(self, instance: str, database: str) -> None:
        if self._frozen_by(instance, database) is not None:
            raise ApplicationError(f"database {database} is frozen for a backup", reason="state")

    def _wait_unfrozen(self, instance: str, database: str) -> None:
        while self._frozen_by(instance, database) is not None:
            self.cond.wait()

    def frozen(self) -> tuple[Freeze, ...]:
        """The freezes held now."""
        with self.cond:
            return tuple(h.freeze for h in self._held.values())

    # -- the port ----------------------------------------------------------------------------
    def freeze(self, instance: str, databases: Sequence[str], timeout: float,
               metadata_dir: Path | None, backup_id: str, *,
               owner: object = None) -> tuple[Freeze, tuple[Metadata, ...]]:
        if not isinstance(backup_id, str) or not BACKUP_ID.fullmatch(backup_id):
            raise ApplicationError("backup ID: 1 to 32 letters, digits, _ or -", reason="state")
        if not isinstance(timeout, (int, float)) or not 0 <= timeout <= MAX_TIMEOUT:
            raise ApplicationError(f"freeze timeout: 0 to {MAX_TIMEOUT:.0f} seconds", reason="state")
        if not databases:
            raise ApplicationError("freeze: no database named", reason="not-found")
        folder = None if metadata_dir is None else self._confine(metadata_dir, "VDI metafile directory")
        with self.cond:
            state = self._running(instance)
            dbs = [state.get(name) for name in databases]
            if len({d.name for d in dbs}) != len(dbs):
                raise ApplicationError("freeze: a database is named twice", reason="state")
            for db in dbs:
                if db.name == "tempdb":
                    raise ApplicationError("tempdb cannot be backed up", reason="state")
                if db.state != ONLINE:
                    raise ApplicationError(f"database {db.name} is {db.state}: only an ONLINE "
                                           "database can be backed up", reason="state")
                self._refuse_frozen(state.name, db.name)
                if self._check_damage(db):
                    self._save(state)
                    raise ApplicationError(f"database {db.name}: a data file is damaged", reason="io")
            token = uuid.uuid4().hex
            record = Freeze(token=token, instance=state.name, databases=tuple(d.name for d in dbs),
                            frozen_at=self.clock(), timeout=float(timeout))
            held = _Held(record, frozenset(d.name.lower() for d in dbs), owner,
                         {d.name: d.lsn for d in dbs})
            self._held[token] = held  # from here no writer of these databases proceeds
            try:
                metadata = tuple(self._write_metafile(state, db, folder, backup_id) for db in dbs)
            except BaseException:
                del self._held[token]
                self.cond.notify_all()
                raise
            if timeout > 0:
                held.timer = threading.Timer(timeout, self._expire, (token, "timeout"))
                held.timer.daemon = True
                held.timer.start()
            return record, metadata

    def _write_metafile(self, instance, db, folder: Path | None, backup_id: str) -> Metadata:
        if db.recovery_model == "SIMPLE":  # the checkpoint of a simple database empties its log
            pages.truncate_log(db.log_file(), db.database_id, db.lsn + 1)
            db.backed_lsn = db.lsn + 1
        files = []
        for f in db.files:
            path = Path(f.path)
            entry = {"path": f.path, "kind": f.kind, "size": path.stat().st_size}
            if f.kind == "data":
                header = pages.read_data_header(path)
                entry.update(page_lsn=header.page_lsn, rows=header.rows, crc=header.crc)
            files.append(entry)
        body = {"format": METAFILE_FORMAT, "instance": instance.name, "database": db.name,
                "database_id": db.database_id, "backup_id": backup_id, "lsn": db.lsn,
                "next_row": db.next_row, "recovery_model": db.recovery_model,
                "system": db.system, "files": files, "frozen_at": self.clock()}
        raw = json.dumps(body, indent=1, sort_keys=True).encode()
        if folder is None:
            path = db.data_files()[0].parent / metafile_name(None, db.database_id)
        else:
            path = folder / metafile_name(backup_id, db.database_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(raw)
        tmp.replace(path)
        return Metadata(database=db.name, path=str(path), size=len(raw),
                        sha256=hashlib.sha256(raw).hexdigest())

    def thaw(self, freeze: Freeze) -> tuple[Metadata, ...]:
        with self.cond:
            held = self._held.pop(freeze.token, None)
            if held is None:
                why = self._ended.get(freeze.token, "unknown")
                raise ApplicationError(f"the freeze of {', '.join(freeze.databases)} on "
                                       f"{freeze.instance} was already released by the instance "
                                       f"({why})", reason="frozen-timeout")
            if held.timer is not None:
                held.timer.cancel()
            self.cond.notify_all()
            state = self._instances.get(held.freeze.instance.lower())
            for name, lsn in held.lsns.items():
                db = state.find(name) if state else None
                if db is not None:
                    self._full_backup_taken(db, lsn)
            if state is not None:
                self._save(state)
            return ()

    @staticmethod
    def _full_backup_taken(db, lsn: int) -> None:
        """A consistent full backup at ``lsn``: log backups restart their sequence; a chain
        that was never started or was broken by a partial roll-forward starts here."""
        if db.full_lsn is None or db.chain_blocked or db.backed_lsn > lsn + 1:
            db.backed_lsn = lsn + 1
        db.full_lsn, db.log_seq, db.chain_blocked = lsn, 0, False

    # -- the instance's own releases ---------------------------------------------------------
    def _expire(self, token: str, why: str) -> None:
        with self.cond:
            held = self._held.pop(token, None)
            if held is None:
                return
            if held.timer is not None:
                held.timer.cancel()
            self._ended[token] = why
            while len(self._ended) > MAX_ENDED:
                self._ended.pop(next(iter(self._ended)))
            self.cond.notify_all()

    def release_owner(self, owner: object) -> int:
        """Release every freeze ``owner`` holds (its connection closed); returns how many."""
        with self.cond:
            tokens = [t for t, h in self._held.items() if h.owner is owner]
            for token in tokens:
                self._expire(token, "client disconnected")
            return len(tokens)

    def release_instance(self, instance: str) -> None:
        with self.cond:
            for token in [t for t, h in self._held.items()
                          if h.freeze.instance.lower() == instance.lower()]:
                self._expire(token, "instance stopped")

    def release_all(self) -> None:
        with self.cond:
            for token in list(self._held):
                self._expire(token, "instance shut down")


def wait_released(engine, token: str, limit: float = 30.0) -> bool:
    """Block until the freeze ``token`` is no longer held (test helper; no fixed sleep)."""
    deadline = time.monotonic() + limit
    with engine.cond:
        while token in engine._held:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            engine.cond.wait(left)
    return True
