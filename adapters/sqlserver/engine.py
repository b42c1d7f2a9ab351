"""The simulated SQL Server: instances and their databases, with real files on the lab's volumes.

``SqlServerEngine(state_dir, roots)`` is an ``ApplicationPort`` (kind ``sqlserver``) usable
in-process (unit tests) and the thing ``adapters.sqlserver.server`` serves to other processes.
One engine owns a state directory at a time (an exclusive lock file). Every file path it is
given or keeps must lie inside ``roots`` (the lab's data directory and mount roots).

Beyond the port it offers what a DBA (or the lab's workload) does: ``define_instance``,
``create_database``, ``drop_database``, ``write_rows`` (one committed transaction of numbered
rows), ``count_rows``, ``damage`` (lose or corrupt a data file: the database becomes
UNCONFIRMED), ``set_offline``/``set_online``.

Freeze/thaw is ``adapters.sqlserver.freezing``; log backups, restore loading and roll-forward
are ``adapters.sqlserver.logs``; the write path and row counts ``adapters.sqlserver.workload``.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from adapters.paths import BadName, PathOutsideRoot, confine
from adapters.sqlserver import pages
from adapters.sqlserver.catalog import (DISTRIBUTION, MAX_DATABASES, MAX_FILES, RECOVERY_MODELS,
                                        SYSTEM_DATABASES, SYSTEM_IDS, DatabaseState, FileState,
                                        InstanceState, check_name, combine, load_instances,
                                        save_instance)
from adapters.sqlserver.freezing import FreezeMixin
from adapters.sqlserver.logs import LogMixin
from adapters.sqlserver.workload import WorkloadMixin
from services.agent.application_port import (OFFLINE, ONLINE, RUNNING, STOPPED,
                                             UNCONFIRMED, ApplicationError, DatabaseFile,
                                             DatabaseInfo)

SYSTEM_FILES = {"master": ("master.mdf", "mastlog.ldf"), "tempdb": ("tempdb.mdf", "templog.ldf"),
                "model": ("model.mdf", "modellog.ldf"), "msdb": ("MSDBData.mdf", "MSDBLog.ldf"),
                DISTRIBUTION: ("distribution.mdf", "distribution.ldf")}
SYSTEM_MODELS = {"master": "SIMPLE", "tempdb": "SIMPLE", "model": "FULL", "msdb": "SIMPLE",
                 DISTRIBUTION: "SIMPLE"}


class SqlServerEngine(FreezeMixin, LogMixin, WorkloadMixin):
    """The instances of one host. Thread-safe: one condition guards all state; writers of a
    frozen database wait on it until the thaw (or the instance's own release)."""

    kind = "sqlserver"

    def __init__(self, state_dir: Path, roots: Iterable[Path],
                 clock: Callable[[], float] = time.time) -> None:
        self.roots = [Path(r) for r in roots]
        self.state_dir = self._confine(state_dir, "state directory")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock_handle = open(self.state_dir / "engine.lock", "a+")
        try:
            fcntl.flock(self._lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_handle.close()
            raise ApplicationError(f"another process runs the instances of {self.state_dir}",
                                   reason="io") from None
        self.clock = clock
        self.cond = threading.Condition(threading.RLock())
        self._instances = load_instances(self.state_dir)
        self._init_freezes()

    def close(self) -> None:
        """Release every freeze and the state directory."""
        self.release_all()
        if not self._lock_handle.closed:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            self._lock_handle.close()

    # -- paths and lookup -------------------------------------------------------------------
    def _confine(self, path: str | os.PathLike, what: str) -> Path:
        try:
            return confine(path, self.roots, what)
        except (BadName, PathOutsideRoot) as error:
            raise ApplicationError(str(error), reason="not-found") from None

    def _instance(self, name: str) -> InstanceState:
        instance = self._instances.get(str(name).lower())
        if instance is None:
            raise ApplicationError(f"no SQL Server instance {str(name)[:80]!r}", reason="not-found")
        return instance

    def _running(self, name: str) -> InstanceState:
        instance = self._instance(name)
        if not instance.running:
            raise ApplicationError(f"instance {instance.name} is not running", reason="not-running")
        return instance

    def _save(self, instance: InstanceState) -> None:
        save_instance(self.state_dir, instance)

    # -- the port: instances and databases -------------------------------------------------
    def instances(self) -> tuple[str, ...]:
        with self.cond:
            return tuple(i.name for i in self._instances.values())

    def status(self, instance: str) -> str:
        with self.cond:
            return RUNNING if self._instance(instance).running else STOPPED

    def databases(self, instance: str) -> tuple[DatabaseInfo, ...]:
        with self.cond:
            state = self._instance(instance)
            return tuple(self._info(state, d) for d in sorted(state.databases,
                                                             key=lambda d: d.database_id))

    @staticmethod
    def _info(instance: InstanceState, db: DatabaseState) -> DatabaseInfo:
        return DatabaseInfo(instance=instance.name, name=db.name, database_id=db.database_id,
                            system=db.system, recovery_model=db.recovery_model, state=db.state,
                            files=tuple(DatabaseFile(path=f.path, kind=f.kind) for f in db.files))

    def stop(self, instance: str) -> None:
        with self.cond:
            state = self._instance(instance)
            self.release_instance(state.name)
            state.running = False
            self._save(state)

    def start(self, instance: str) -> None:
        """Start the instance; a database whose data file is missing or damaged comes up
        UNCONFIRMED (suspect), as SQL Server marks it at startup."""
        with self.cond:
            state = self._instance(instance)
            if state.running:
                return
            state.running = True
            for db in state.databases:
                self._check_damage(db)
            self._save(state)

    def _check_damage(self, db: DatabaseState) -> bool:
        broken = any(pages.data_problems(path) for path in db.data_files())
        if broken and UNCONFIRMED not in db.states():
            db.state = combine(db.state.replace(ONLINE, ""), UNCONFIRMED)
        return broken

    # -- administration ---------------------------------------------------------------------
    def define_instance(self, name: str, system_dir: Path, *, replication: bool = False) -> str:
        """Create an instance (running) with its system databases in ``system_dir``;
        defining an existing one again is no error (its files are kept)."""
        check_name("instance", name)
        with self.cond:
            if name.lower() in self._instances:
                return self._instances[name.lower()].name
            folder = self._confine(system_dir, "system database directory")
            state = InstanceState(name=name, replication=replication, system_dir=str(folder))
            names = SYSTEM_DATABASES + ((DISTRIBUTION,) if replication else ())
            for db_name in names:
                data, log = SYSTEM_FILES[db_name]
                db_id = SYSTEM_IDS.get(db_name) or state.next_id()
                db = DatabaseState(name=db_name, database_id=db_id, system=True,
                                   recovery_model=SYSTEM_MODELS[db_name],
                                   files=[FileState(path=str(folder / data), kind="data"),
                                          FileState(path=str(folder / log), kind="log")])
                self._create_files(db)
                state.databases.append(db)
            self._instances[name.lower()] = state
            self._save(state)
            return name

    def create_database(self, instance: str, name: str, data_dirs: Sequence[Path],
                        log_dir: Path, recovery_model: str = "FULL") -> DatabaseInfo:
        """A user database with one data file per entry of ``data_dirs`` (``<name>.mdf``, then
        ``<name>_<n>.ndf``) and its log ``<name>_log.ldf`` in ``log_dir``; ONLINE."""
        check_name("database", name)
        if recovery_model not in RECOVERY_MODELS:
            raise ApplicationError(f"recovery model {recovery_model[:40]!r}: one of "
                                   f"{', '.join(RECOVERY_MODELS)}", reason="state")
        if not 1 <= len(data_dirs) <= MAX_FILES - 1:
            raise ApplicationError(f"a database has 1 to {MAX_FILES - 1} data files", reason="state")
        with self.cond:
            state = self._running(instance)
            if state.find(name) is not None:
                raise ApplicationError(f"database {name} already exists in {state.name}",
                                       reason="state")
            if len(state.databases) >= MAX_DATABASES:
                raise ApplicationError(f"instance {state.name} has {MAX_DATABASES} databases",
                                       reason="state")
            files = [FileState(path=str(self._confine(d, "data directory") /
                                        (f"{name}.mdf" if i == 0 else f"{name}_{i + 1}.ndf")),
                               kind="data") for i, d in enumerate(data_dirs)]
            files.append(FileState(path=str(self._confine(log_dir, "log directory") /
                                            f"{name}_log.ldf"), kind="log"))
            taken = {f.path for d in state.databases for f in d.files}
            if any(f.path in taken or Path(f.path).exists() for f in files):
                raise ApplicationError(f"a file of database {name} already exists", reason="state")
            db = DatabaseState(name=name, database_id=state.next_id(),
                               recovery_model=recovery_model, files=files)
            self._create_files(db)
            state.databases.append(db)
            self._save(state)
            return self._info(state, db)

    @staticmethod
    def _create_files(db: DatabaseState) -> None:
        for path in db.data_files():
            if not path.exists():
                pages.create_data_file(path, db.database_id)
        if not db.log_file().exists():
            pages.create_log_file(db.log_file(), db.database_id)

    def drop_database(self, instance: str, name: str, *, delete_files: bool = True) -> None:
        """Forget a user database (any state, not frozen) and, by default, delete its files."""
        with self.cond:
            state = self._instance(instance)
            db = state.get(name)
            if db.system:
                raise ApplicationError(f"{db.name} is a system database", reason="state")
            self._refuse_frozen(state.name, db.name)
            state.databases.remove(db)
            self._save(state)
            for f in db.files if delete_files else ():
                Path(f.path).unlink(missing_ok=True)

    def set_offline(self, instance: str, name: str) -> None:
        self._set_simple_state(instance, name, OFFLINE, from_states={ONLINE, OFFLINE})

    def set_online(self, instance: str, name: str) -> None:
        self._set_simple_state(instance, name, ONLINE, from_states={ONLINE, OFFLINE})

    def _set_simple_state(self, instance: str, name: str, new: str, from_states: set[str]) -> None:
        with self.cond:
            state = self._running(instance)
            db = state.get(name)
            if db.state not in from_states:
                raise ApplicationError(f"database {db.name} is {db.state}", reason="state")
            self._refuse_frozen(state.name, db.name)
            if new == ONLINE and self._check_damage(db):
                self._save(state)
                raise ApplicationError(f"database {db.name}: a data file is damaged", reason="io")
            db.state = new
            self._save(state)

    def damage(self, instance: str, name: str, how: str = "lose") -> DatabaseInfo:
        """Damage the primary data file (``lose``: delete it; ``corrupt``: overwrite its header
        page); the log file is kept, so a tail-log backup still works. UNCONFIRMED after."""
        if how not in ("lose", "corrupt"):
            raise ApplicationError("damage is 'lose' or 'corrupt'", reason="state")
        with self.cond:
            state = self._instance(instance)
            db = state.get(name)
            self._refuse_frozen(state.name, db.name)
            path = db.data_files()[0]
            if how == "lose":
                path.unlink(missing_ok=True)
            elif path.exists():
                with open(path, "r+b") as handle:
                    handle.write(b"\xde\xad" * 16)
            self._check_damage(db)
            self._save(state)
            return self._info(state, db)
