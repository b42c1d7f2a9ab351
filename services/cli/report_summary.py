"""``drm report summary`` and ``drm report lineage``: documents from the reporting store, and
their human layout. A host with SQL Server databases also shows, per database, its state, log
chain, last restore and last roll-forward (issue 13)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from adapters.reporting.queries import ReportQueries, is_note
from projections.reporting.heal import resolved
from events.canonical import format_timestamp
from services.cli.catalog_layouts import columns, show_time

FAILED = ("CommandFailed", "CommandRejected")


def _iso(value: datetime | None) -> str | None:
    return format_timestamp(value) if value else None


def last_backups(queries: ReportQueries, host: str) -> list[dict[str, Any]]:
    """The last successful backup of each object (instance) of ``host``."""
    latest: dict[str, dict[str, Any]] = {}
    for event in queries.events_of(host, ("BackupRecorded",)):
        payload = event["payload"]
        for instance in payload.get("instances", ()):
            latest[instance] = {"object": instance, "backup_id": payload.get("backup_id"),
                                "ended_at": payload.get("ended_at"),
                                "generation": payload.get("generation")}
    return [latest[name] for name in sorted(latest)]


def tape_only(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries whose data is only on tape: tape entries (backup server) whose disk entry is no
    longer live in the catalog, and catalog entries whose medium is not the disk."""
    catalog = rows.get("catalog", {})
    found = [{"backup_id": e["backup_id"], "media": e.get("media")} for e in catalog.values()
             if (e.get("media") or "DISK") != "DISK"]
    for key, entry in rows.get("tape", {}).items():
        if entry.get("source_backup_id") not in catalog:
            media = sorted({a.get("medium") for a in entry.get("archives", ())} - {None})
            found.append({"backup_id": entry.get("backup_id", key),
                          "media": ",".join(media) or "-"})
    return sorted(found, key=lambda e: str(e["backup_id"]))


def sql_databases(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per SQL Server database (``instance/database``) of a host, from its views (issue 13):
    its state, its log chain (how many log backups, the last one), the backup its last
    restore laid down and its last roll-forward. Empty on a host without SQL Server."""
    chains, states = rows.get("sql_chains", {}), rows.get("sql_states", {})
    restores, rolled = rows.get("sql_restores", {}), rows.get("sql_roll_forwards", {})
    documents = []
    for key in sorted(set(chains) | set(states) | set(restores) | set(rolled)):
        chain = chains.get(key) or []
        last = chain[-1] if chain else None
        restore, roll = restores.get(key), rolled.get(key)
        documents.append({
            "database": key, "state": states.get(key), "log_backups": len(chain),
            "last_log": None if last is None else {
                "backup_id": last.get("backup_id"), "chain_seq": last.get("chain_seq"),
                "last_lsn": last.get("last_lsn"), "taken_at": last.get("taken_at")},
            "restored_from": None if restore is None else restore.get("backup_id"),
            "roll_forward": None if roll is None else {
                "last_lsn": roll.get("last_lsn"), "finish": roll.get("finish"),
                "chain_complete": roll.get("chain_complete")}})
    return documents


def _sql_lines(databases: list[dict[str, Any]]) -> list[str]:
    if not databases:
        return []
    rows = [[d["database"], d["state"] or "-", d["log_backups"],
             "-" if d["last_log"] is None else
             f"{d['last_log']['backup_id'] or 'no_cat'}#{d['last_log']['chain_seq']}"
             f" LSN {d['last_log']['last_lsn']}",
             d["restored_from"] or "-",
             "-" if d["roll_forward"] is None else
             f"{d['roll_forward']['finish']} LSN {d['roll_forward']['last_lsn']}"]
            for d in databases]
    return ["SQL DATABASES:", *("  " + line for line in columns(
        ("DATABASE", "STATE", "LOGS", "LAST-LOG", "RESTORED-FROM", "ROLL-FORWARD"), rows))]


def summary_documents(queries: ReportQueries, now: datetime | None = None) -> list[dict]:
    since = (now or datetime.now(timezone.utc)) - timedelta(hours=24)
    alerts = queries.alerts()
    answered = resolved(alerts)  # alerts a later gap-filled heal answered count as notes
    documents = []
    for chain in queries.hosts():
        rows: dict[str, dict[str, Any]] = {}
        for (view, key), text in queries.view_rows(chain.host).items():
            rows.setdefault(view, {})[key] = orjson.loads(text)
        failures = [{"command": c["command"], "outcome": c["outcome"],
                     "message_id": c["message_id"], "ended_at": _iso(c["ended_at"]),
                     "principal": c["principal"]}
                    for c in queries.commands(chain.host, since, FAILED)]
        own = [a for a in alerts if a["host"] == chain.host]
        documents.append({
            "host": chain.host, "last_seq": chain.last_seq,
            "untrusted_from": chain.untrusted_from, "untrusted_reason": chain.untrusted_reason,
            "integrity_alerts": sum(1 for a in own if not is_note(a) and a["id"] not in answered),
            "notes": sum(1 for a in own if is_note(a) or a["id"] in answered),
            "last_backups": last_backups(queries, chain.host),
            "failures_24h": failures,
            "locked_copy_groups": sorted(
                ({"copy_group": g["copy_group"], "locked_by": g.get("locked_by"),
                  "backup_id": g.get("lock_backup_id") or None}
                 for g in rows.get("copy_groups", {}).values() if g.get("locked_by")),
                key=lambda g: g["copy_group"]),
            "tape_only": tape_only(rows),
            "sql_databases": sql_databases(rows),
        })
    return documents


def summary_lines(documents: list[dict]) -> list[str]:
    lines: list[str] = []
    for doc in documents:
        trust = "trusted" if doc["untrusted_from"] is None else \
            f"UNTRUSTED from seq {doc['untrusted_from']} ({doc['untrusted_reason']})"
        lines.append(f"HOST: {doc['host']} SEQ: {doc['last_seq']} VIEWS: {trust} "
                     f"ALERTS: {doc['integrity_alerts']} NOTES: {doc['notes']}")
        lines.append("LAST BACKUPS:")
        lines += ["  " + line for line in columns(
            ("OBJECT", "BACKUP-ID", "GENNAME", "END-TIME"),
            [[b["object"], b["backup_id"], b["generation"], show_time(b["ended_at"])]
             for b in doc["last_backups"]])]
        lines.append(f"FAILURES (24h): {len(doc['failures_24h'])}")
        lines += ["  " + line for line in columns(
            ("END-TIME", "COMMAND", "OUTCOME", "MESSAGE-ID", "PRINCIPAL"),
            [[show_time(f["ended_at"]), f["command"], f["outcome"], f["message_id"],
              f["principal"]] for f in doc["failures_24h"]])] if doc["failures_24h"] else []
        lines.append("LOCKED COPY GROUPS: " + (", ".join(
            f"{g['copy_group']} ({g['locked_by']})" for g in doc["locked_copy_groups"]) or "-"))
        lines.append("ONLY ON TAPE: " + (", ".join(
            f"{e['backup_id']} ({e['media']})" for e in doc["tape_only"]) or "-"))
        lines += _sql_lines(doc.get("sql_databases", []))
        lines.append("")
    return lines


def lineage_lines(events: list[dict[str, Any]]) -> list[str]:
    return columns(("TIME", "HOST", "SEQ", "TYPE", "BACKUP-ID", "ORIGINAL-ID", "ORIGIN",
                    "PRINCIPAL"),
                   [[show_time(_iso(e["occurred_at"])), e["host"], e["seq"], e["type"],
                     e["backup_id"] or "-", e["original_id"] or "-", e["origin_host"] or "-",
                     e["principal"]] for e in events])
