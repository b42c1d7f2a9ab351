"""``drm audit log`` and ``drm audit verify``: who did what, when, on which host, and the proof
(or not) that every host's history arrived whole and unedited."""
from __future__ import annotations

from adapters.reporting.queries import LogFilter, is_note
from projections.reporting.heal import resolved
from events.canonical import format_timestamp
from services import messages
from services.cli.entries import LocalEntry
from services.cli.errors import CliError
from services.cli.output import emit_json, table
from services.cli.report_common import open_queries, parse_time


def register(subparsers) -> None:
    audit = subparsers.add_parser("audit", help="the audit log and integrity checks across hosts")
    commands = audit.add_subparsers(dest="audit_command", metavar="<audit command>")
    log = commands.add_parser("log", help="events with principal, command and outcome")
    log.add_argument("--host")
    log.add_argument("--since", metavar="TIME")
    log.add_argument("--until", metavar="TIME")
    log.add_argument("--principal")
    log.add_argument("--type", metavar="TYPE", help="event type, e.g. CommandFailed")
    log.add_argument("--backup-id", metavar="ID", help="events about this backup (or original) ID")
    log.add_argument("--operation", metavar="OPERATION_ID",
                     help="every event of the commands an extended command ran for this "
                          "operation ID (any case), on every host, and of those they caused")
    log.add_argument("--limit", type=int)
    log.add_argument("--json", action="store_true")
    log.set_defaults(func=run_log)
    verify = commands.add_parser("verify", help="sequence and hash chain of each host's history")
    verify.add_argument("--host")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=run_verify)
    audit.set_defaults(func=lambda args: audit.print_help() or 1)


def _iso(value) -> str | None:
    return format_timestamp(value) if value else None


def run_log(args) -> int:
    wanted = LogFilter(args.host, parse_time(args.since), parse_time(args.until), args.principal,
                       args.type, args.backup_id, args.operation)
    found = open_queries().audit_log(wanted, args.limit)
    if args.json:
        emit_json([{**row, "occurred_at": _iso(row["occurred_at"])} for row in found])
        return 0
    rows = [(_iso(r["occurred_at"]), r["host"], r["seq"], r["type"] + ("" if r["known"] else
                                                                        " (unknown type)"),
             r["principal"], r["command"] or "-", r["outcome"] or "-", r["message_id"] or "-",
             r["backup_id"] or "-") for r in found]
    for line in table(("OCCURRED", "HOST", "SEQ", "TYPE", "PRINCIPAL", "COMMAND", "OUTCOME",
                       "MESSAGE-ID", "BACKUP-ID"), rows):
        print(line)
    return 0


def _unplaced(alert) -> str:
    """An alert of no host with a stored history: an undecodable or quarantined message."""
    if alert["host"] is None:
        return f"{alert['kind']} message at offset {alert['stream_offset']}: {alert['detail']}"
    return (f"{alert['kind']} message of host {alert['host']} seq {alert['seq']} at offset "
            f"{alert['stream_offset']}: {alert['detail']}")


def _signed_problems(queries, chains, host: str | None) -> dict[str, list[str]]:
    """Per host: its signed history in the reporting store and in its own store, where this
    machine reaches it, against the last head the auditor verified (ADR 0005)."""
    from adapters.event_store.heads import unsigned_is_legacy
    from services.audit.bootstrap import local_source
    from services.audit.trust_check import reporting_problems, store_problems
    from services.settings import load_settings
    from services.trust import trusted_keys

    settings = load_settings()
    keys, held = trusted_keys(settings), queries.held_heads()
    found: dict[str, list[str]] = {}
    for chain in chains:
        legacy = unsigned_is_legacy(keys.enrolled_at(chain.host),
                                    queries.occurred_at(chain.host, chain.last_seq))
        found[chain.host] = reporting_problems(chain, held.get(chain.host), keys, legacy,
                                               queries.store.hash_of)
    known = {chain.host for chain in chains}
    for name, problem in store_problems(local_source(settings).stores(), held, keys,
                                        keys.enrolled_at, lambda h: h in known):
        found[name].append(problem)
    return found


def run_verify(args) -> int:
    queries = open_queries()
    chains = [c for c in queries.hosts() if not args.host or c.host == args.host]
    if args.host and not chains:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.BAD_COMMAND, f"no events of host {args.host} in the reporting store"))
    alerts = queries.alerts(args.host)
    answered = resolved(alerts)  # gaps (and what they caused) that a later heal closed
    signed = _signed_problems(queries, chains, args.host)
    results, failed = [], False
    for chain in chains:
        own = [a for a in alerts if a["host"] == chain.host]
        problems = queries.walk(chain.host) + signed.get(chain.host, []) + [
            f"alert {a['kind']} at seq {a['seq']}: {a['detail']}" for a in own
            if not is_note(a) and a["id"] not in answered]
        notes = [f"{a['kind']} at seq {a['seq']}: {a['detail']}"
                 + (" (resolved by the later gap-filled)" if a["id"] in answered else "")
                 for a in own if is_note(a) or a["id"] in answered]
        failed = failed or bool(problems)
        results.append({"host": chain.host, "last_seq": chain.last_seq, "ok": not problems,
                        "problems": problems, "notes": notes,
                        "untrusted_from": chain.untrusted_from})
    placed = {chain.host for chain in chains}  # a host whose only events were quarantined has none
    unplaced = [a for a in alerts if a["host"] not in placed and (a["host"] is None or not
                                                                  is_note(a))]
    failed = failed or bool(unplaced)
    if args.json:
        emit_json({"ok": not failed, "hosts": results,
                   "undecodable": [a["detail"] for a in unplaced]})
    else:
        for result in results:
            state = "chain intact" if result["ok"] else "PROBLEMS"
            print(f"{result['host']}: seq 1..{result['last_seq']}, {state}")
            for problem in result["problems"]:
                print(f"  problem: {problem}")
            for note in result["notes"]:
                print(f"  note: {note}")
        for alert in unplaced:
            print(f"  problem: {_unplaced(alert)}")
    if failed:
        names = [f"{r['host']}: {r['problems'][0]}" for r in results if r["problems"]]
        names += [_unplaced(a) for a in unplaced]
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.STORE_INTEGRITY, "; ".join(names)))
    return 0


AUDIT = LocalEntry("audit", register)
