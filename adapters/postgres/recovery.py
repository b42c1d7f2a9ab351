"""Restoring a cluster from a split copy: lay down the label, then replay WAL from the area.

``prepare_restore`` runs after the data P-VOL (and the others) hold the backup's files again:
it empties ``pg_wal`` (it came from the same split, so it is at best stale, and the S-VOL
still holds it; setting it aside on the run directory's file system failed where the WAL volume
is a mount of its own), drops
``postmaster.pid`` copied from a running server and the replication slots the split copied
(``pg_replslot``: ``pg_basebackup`` leaves them out too; a slot from the past would hold every
segment recovery replays in ``pg_wal``, and after it every segment the restored server writes,
until someone drops it), and writes ``backup_label`` and
``tablespace_map`` from the backup's metadata (checked against their SHA-256). Without the label
PostgreSQL would take the copy for a crashed server and start from the latest checkpoint in
``pg_control``, which may lie after the copy was taken: the label is what makes it safe.

``recovery_settings`` writes ``drm_recovery.conf`` (included by ``postgresql.conf``): a
``restore_command`` that reads the log-backup area (and, for the newest segment, the
receiver's ``.partial``), ``recovery_target_timeline = 'latest'`` and the target.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import psycopg

from adapters.postgres.online_backup import LABEL, STOP_INFO, TABLESPACE_MAP
from adapters.postgres.server import RECOVERY_INCLUDE, ClusterSpec, ServerControl
from adapters.postgres.wal import WalNameError, format_lsn, parse_history, parse_lsn
from services.agent.application_port import (LOADING, ONLINE, ApplicationError, Metadata,
                                             RecoveryEnd)

POLL = 0.2

TARGET_KINDS = ("time", "lsn", "name", "xid")
RESTORE_STATE = "restore.json"
"""In the run directory: the backup being restored (start/stop LSN, timeline)."""


@dataclass(frozen=True)
class RecoveryTarget:
    """A parsed ``target``: '' = latest, ``immediate``, ``time:<iso>``, ``lsn:<lsn>``,
    ``name:<restore point>``, ``xid:<id>``."""

    kind: str
    value: str = ""

    def settings(self) -> dict[str, str]:
        if self.kind == "latest":
            return {}
        if self.kind == "immediate":
            return {"recovery_target": "'immediate'"}
        return {f"recovery_target_{self.kind}": quote(self.value)}


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parse_target(target: str) -> RecoveryTarget:
    """The recovery target from the agent's text; ``ApplicationError(reason="state")`` when
    it is not one PostgreSQL supports."""
    if not isinstance(target, str) or len(target) > 256 or not target.isprintable() or \
            "\\" in target:  # postgresql.conf reads a backslash in a quoted value as an escape
        raise ApplicationError(f"not a recovery target: {target!r}", reason="state")
    if target in ("", "latest"):
        return RecoveryTarget("latest")
    if target == "immediate":
        return RecoveryTarget("immediate")
    kind, _, value = target.partition(":")
    if kind not in TARGET_KINDS or not value.strip():
        raise ApplicationError(f"not a recovery target: {target!r} (use latest, immediate, "
                               "time:<timestamp>, lsn:<lsn>, name:<restore point>, xid:<n>)",
                               reason="state")
    if kind == "lsn":
        try:
            value = format_lsn(parse_lsn(value))
        except WalNameError as error:
            raise ApplicationError(str(error), reason="state") from None
    if kind == "xid" and not (value.isascii() and value.isdigit()):
        raise ApplicationError(f"not a transaction id: {value!r}", reason="state")
    return RecoveryTarget(kind, value.strip())


def _find(metadata: Sequence[Metadata], suffix: str) -> Metadata | None:
    return next((m for m in metadata if Path(m.path).name.endswith(f"_{suffix}")), None)


def _verified(item: Metadata) -> bytes:
    try:
        with open(item.path, "rb") as stream:  # never more than the recorded size and one
            data = stream.read(max(item.size, 0) + 1)
    except OSError as error:
        raise ApplicationError(f"metadata {item.path} unreadable: {error}", reason="io") from None
    if len(data) != item.size or hashlib.sha256(data).hexdigest() != item.sha256:
        raise ApplicationError(f"metadata {item.path} does not match its SHA-256", reason="io")
    return data


def _write_owned(control: ServerControl, path: Path, data: bytes) -> None:
    path.write_bytes(data)
    os.chown(path, control.user.pw_uid, control.user.pw_gid)
    os.chmod(path, 0o600)


def prepare_restore(control: ServerControl, metadata: Sequence[Metadata]) -> dict:
    """Lay down the backup's label and tablespace map in the restored data directory; returns
    the backup's start/stop information (also kept in the run directory)."""
    spec = control.spec
    label, space_map, info = (_find(metadata, s) for s in (LABEL, TABLESPACE_MAP, STOP_INFO))
    if label is None or info is None:
        raise ApplicationError("a PostgreSQL restore needs the backup's backup_label and "
                               "backup.json metadata", reason="not-found")
    if not (spec.data_dir / "PG_VERSION").exists():
        raise ApplicationError(f"{spec.data_dir} holds no restored cluster", reason="not-found")
    stop_info = json.loads(_verified(info))
    for entry in sorted(spec.wal_dir.iterdir()) if spec.wal_dir.is_dir() else ():
        if entry.is_file():  # the split's copies, which the S-VOL still holds
            entry.unlink()
    for entry in (spec.wal_dir / "archive_status").glob("*"):
        entry.unlink()
    slots = spec.data_dir / "pg_replslot"
    for slot in sorted(slots.iterdir()) if slots.is_dir() else ():
        shutil.rmtree(slot) if slot.is_dir() and not slot.is_symlink() else slot.unlink()
    for stale in ("postmaster.pid", "backup_label.old", "tablespace_map.old",
                  "recovery.signal", "standby.signal", RECOVERY_INCLUDE):
        (spec.data_dir / stale).unlink(missing_ok=True)
    _write_owned(control, spec.data_dir / "backup_label", _verified(label))
    if space_map is not None and space_map.size:
        _write_owned(control, spec.data_dir / "tablespace_map", _verified(space_map))
    (spec.run_dir / RESTORE_STATE).write_text(json.dumps(stop_info))
    return stop_info


def restore_state(control: ServerControl) -> dict:
    try:
        return json.loads((control.spec.run_dir / RESTORE_STATE).read_text())
    except (OSError, ValueError):
        raise ApplicationError(f"cluster {control.spec.name}: no restore prepared",
                               reason="state") from None


def write_recovery_settings(control: ServerControl, target: RecoveryTarget, *, action: str,
                            standby: bool) -> None:
    """``drm_recovery.conf`` plus ``recovery.signal`` (or ``standby.signal``)."""
    spec = control.spec
    area, incoming = spec.log_area / "wal", spec.log_area / "incoming"
    for path in (area, incoming):
        if "'" in str(path) or '"' in str(path):
            raise ApplicationError(f"{path}: quotes in the log area path", reason="state")
    command = (f"test -f '{area}/%f' && cp '{area}/%f' '%p' || "
               f"{{ test -f '{incoming}/%f.partial' && cp '{incoming}/%f.partial' '%p'; }}")
    lines = {"restore_command": quote(command), "recovery_target_timeline": "'latest'",
             "hot_standby": "on" if standby else "off", **target.settings()}
    if target.kind != "latest":
        lines["recovery_target_action"] = quote(action)
    text = "# written by drm for a restore; removed when recovery ends\n" + "".join(
        f"{key} = {value}\n" for key, value in lines.items())
    _write_owned(control, spec.data_dir / RECOVERY_INCLUDE, text.encode())
    signal_file, other = ("standby.signal", "recovery.signal")[::1 if standby else -1]
    (spec.data_dir / other).unlink(missing_ok=True)  # with both, PostgreSQL stays a standby
    _write_owned(control, spec.data_dir / signal_file, b"")


def finish_recovery_settings(control: ServerControl) -> None:
    """After promotion: no recovery settings, no prepared restore (a later ``apply_logs``
    on this running primary is refused)."""
    (control.spec.data_dir / RECOVERY_INCLUDE).unlink(missing_ok=True)
    (control.spec.run_dir / RESTORE_STATE).unlink(missing_ok=True)


def await_recovery(control: ServerControl, finish: str, end_lsn: int, timeout: float) -> None:
    """Wait until recovery ends as ``finish`` asks: promoted (ONLINE), replayed to
    ``end_lsn`` or paused at its target (STANDBY; LOADING then stops the server), or shut down
    at its target (LOADING); ``ApplicationError`` with the server log's tail when the server
    exits."""
    spec, deadline = control.spec, time.monotonic() + timeout
    started = False  # pg_ctl -W returns before the postmaster writes its pid file
    while time.monotonic() < deadline:
        alive = (spec.data_dir / "postmaster.pid").exists()
        started = started or alive
        if not alive and not started:
            time.sleep(POLL)
            continue
        if not alive:
            if finish == LOADING and "recovery stopping" in control.log_tail(40):
                return
            raise ApplicationError(f"cluster {spec.name}: recovery failed:\n"
                                   f"{control.log_tail()}", reason="io")
        try:
            connection = psycopg.connect(spec.conninfo(), autocommit=True, connect_timeout=2)
        except psycopg.OperationalError:  # starting up, or not accepting connections yet
            time.sleep(POLL)
            continue
        with connection:
            in_recovery, replayed, paused = connection.execute(
                "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '0/0'), "
                "CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() = 'paused' "
                "END").fetchone()
        if finish == ONLINE and not in_recovery:
            return
        if finish != ONLINE and (paused or parse_lsn(replayed) >= end_lsn):
            if finish == LOADING:
                control.stop("fast")
            return
        time.sleep(POLL)
    raise ApplicationError(f"cluster {spec.name}: recovery still running after "
                           f"{timeout:g} s", reason="io")


def recovery_end(spec: ClusterSpec, target: str) -> RecoveryEnd:
    """Where the promoted server's recovery ended: its new timeline, the switch LSN and the
    commit time of the last transaction replayed."""
    with psycopg.connect(spec.conninfo(), autocommit=True) as connection:
        walfile, replayed_at = connection.execute(
            "SELECT pg_walfile_name(pg_current_wal_lsn()), "
            "extract(epoch FROM pg_last_xact_replay_timestamp())::float8").fetchone()
    timeline = int(walfile[:8], 16)
    history = spec.wal_dir / f"{timeline:08X}.history"
    switches = parse_history(history.read_text()) if history.exists() else ()
    lsn = switches[-1].switch_lsn if switches else 0
    return RecoveryEnd(spec.name, timeline, lsn, replayed_at or 0.0, target)
