"""``EX_DRM_SQLFILE_PACK`` and ``EX_DRM_SQLFILE_EXTRACT`` (spec 05 §2.3, §3.9): carry the VDI
metafiles of a backup whose metafiles lie in a registered directory (not on the P-VOL).

- PACK copies the metafiles of the backup ID file's entry into the operation's temporary
  directory as ``<backup-ID>_<database-ID>.dmp`` (the transfer carries them from there); a
  metafile on the P-VOL (``META_<database-ID>.dmp``) travels with the volume and is left out.
- EXTRACT deploys only the latest packed metafiles (the highest backup ID among them): on a
  backup server into ``<FTP_HOME_DIR>/<FTP_SUB_DIR>/<operation-ID>/AP`` as
  ``<original-ID>_<database-ID>.dmp``, on a database server where the entry's catalog says
  each metafile lies (where ``drmsqlrestore`` reads it).

Every path read or written stays inside the data directory; files are written whole.
"""
from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

from adapters.files import read_limited
from adapters.paths import BadName, PathOutsideRoot, confine
from events.sql_commands import ListSqlCatalog
from events.sql_restore import MovedMetafile, RecordSqlMetafiles
from services.cli.entries import Shown
from services.cli.extended.entry import ExtendedEntry
from services.cli.extended.operation import Operation, operation_error, write_whole
from services.settings import load_settings

METAFILE_MAX = 1 << 20
PACKED = re.compile(r"([0-9]{10})_([0-9]{1,10})\.dmp")
REGISTERED = re.compile(r"[0-9]+_([0-9]{1,10})\.dmp")
PACKED_MAX = 256  # packed metafiles one transfer carries (a backup has at most 64 databases)


def packed_metafiles(temp_dir: Path) -> list[Path]:
    """The packed metafiles in ``temp_dir`` (what EX_DRM_FTP_PUT/GET carry), at most
    ``PACKED_MAX``, by name; a symlink is none (it would carry whatever it points to)."""
    return sorted(p for p in temp_dir.glob("*.dmp")
                  if PACKED.fullmatch(p.name) and not p.is_symlink())[:PACKED_MAX]


def _confined(path: str | Path, what: str) -> Path:
    try:
        return confine(path, [load_settings().data_dir], what)
    except (BadName, PathOutsideRoot) as error:
        raise operation_error(str(error)) from None


def _entry(operation: Operation, agent) -> dict:
    definition = operation.definition
    backup_id = operation.read_backup_id()
    reply = agent.ask(ListSqlCatalog(instance=definition.instance_name))
    entry = next((e for e in reply.result["entries"] if e["backup_id"] == backup_id), None)
    if entry is None:
        raise operation_error(f"the backup {backup_id} is not a SQL Server entry of "
                              f"{definition.instance_name}")
    return entry


def _metafiles(entry: dict) -> dict[str, str]:
    """Database ID -> the metafile path the entry records (registered directory only)."""
    found = {}
    for row in entry["rows"]:
        match = REGISTERED.fullmatch(Path(row["file"]).name) if row["kind"] == "M" else None
        if match is not None:
            found[str(int(match.group(1)))] = row["file"]
    return found


def _copy(source: Path, target: Path) -> MovedMetafile:
    try:
        data = read_limited(source, METAFILE_MAX, "VDI metafile")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_whole(target, data)
    except (OSError, ValueError) as error:
        raise operation_error(f"{source} -> {target}: {error}") from None
    return MovedMetafile(source=str(source), target=str(target), size=len(data),
                         sha256=hashlib.sha256(data).hexdigest())


def _recorded(agent, direction: str, backup_id: str, moved: list[MovedMetafile]) -> dict:
    """The host records what was copied (``SqlMetafilesMoved``)."""
    outcome = agent.ask(RecordSqlMetafiles(direction=direction, backup_id=backup_id,
                                           files=tuple(moved)))
    return outcome.to_wire()


def sqlfile_pack(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    entry = _entry(operation, agent)
    moved = []
    for database_id, path in sorted(_metafiles(entry).items()):
        name = Path(path).name
        target = operation.temp_dir / f"{entry['backup_id']}_{name.partition('_')[2]}"
        moved.append(_copy(_confined(path, "VDI metafile"),
                           _confined(target, "packed metafile")))
    event = _recorded(agent, "pack", entry["backup_id"], moved)
    return Shown([f"Packed = {m.target}" for m in moved],
                 {"backup_id": entry["backup_id"], "packed": [m.target for m in moved],
                  "event": event})


def _latest(temp_dir: Path) -> dict[str, Path]:
    """Database ID -> packed file, of the highest backup ID packed."""
    files = [(m.group(1), str(int(m.group(2))), p) for p in sorted(temp_dir.glob("*.dmp"))
             if (m := PACKED.fullmatch(p.name))]
    if not files:
        raise operation_error(f"no packed VDI metafile in {temp_dir}")
    top = max(backup_id for backup_id, _, _ in files)
    return {database_id: path for backup_id, database_id, path in files if backup_id == top}


def sqlfile_extract(args: argparse.Namespace, operation: Operation, agent) -> Shown:
    latest = _latest(operation.temp_dir)
    entry = _entry(operation, agent)
    if operation.role == "BK":
        ap = operation.temp_dir.parent / "AP"
        targets = {d: ap / f"{entry['original_id']}_{p.name.partition('_')[2]}"
                   for d, p in latest.items()}
    else:
        recorded = _metafiles(entry)
        missing = sorted(set(latest) - set(recorded))
        if missing:
            raise operation_error(f"the backup {entry['backup_id']} records no metafile of the "
                                  f"database ID {missing[0]}")
        targets = {d: Path(recorded[d]) for d in latest}
    moved = [_copy(_confined(source, "packed metafile"),
                   _confined(targets[database_id], "VDI metafile"))
             for database_id, source in sorted(latest.items())]
    event = _recorded(agent, "extract", entry["backup_id"], moved)
    return Shown([f"Deployed = {m.target}" for m in moved],
                 {"deployed": [m.target for m in moved], "event": event})


EX_DRM_SQLFILE_PACK = ExtendedEntry(
    name="EX_DRM_SQLFILE_PACK", summary="pack the VDI metafiles for the transfer",
    description="copy the VDI metafiles of the backup ID file's entry into the temporary\n"
                "directory as <backup-ID>_<database-ID>.dmp (only needed when a VDI metafile\n"
                "directory is registered).",
    commands=(ListSqlCatalog, RecordSqlMetafiles), steps=sqlfile_pack, backup_object="MSSQL")

EX_DRM_SQLFILE_EXTRACT = ExtendedEntry(
    name="EX_DRM_SQLFILE_EXTRACT", summary="deploy the transferred VDI metafiles",
    description="deploy the latest packed VDI metafiles of the temporary directory where a\n"
                "restore reads them.",
    commands=(ListSqlCatalog, RecordSqlMetafiles), steps=sqlfile_extract,
    backup_object="MSSQL")
