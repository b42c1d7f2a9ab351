"""``drm log``: a host's history, from its store or the shared log (``drm verify`` is in
``services.cli.trust``)."""
from __future__ import annotations

import argparse
import json
from urllib.parse import urlparse

from events.canonical import format_timestamp
from services import messages
from services.agent.bootstrap import open_store
from services.cli.entries import LocalEntry
from services.cli.errors import CliError
from services.cli.hosts import require_known
from services.cli.output import emit_json, table
from services.settings import load_settings


def seq_number(text: str) -> int:
    """A seq as ``--after`` takes it: 0 up to the largest seq a store can hold (2^63 - 1)."""
    value = int(text)
    if not 0 <= value < 1 << 63:
        raise argparse.ArgumentTypeError(f"{text} is not a seq (0 to 2^63 - 1)")
    return value


def register_log(subparsers) -> None:
    log = subparsers.add_parser(
        "log", help="print a host's events (from its store, or replayed from the shared log)",
        description="Print the events of a host's stream in order. --source stream replays the "
                    "RabbitMQ stream queue instead (all hosts unless --host is given).")
    log.add_argument("--host", help="host whose stream to print (default: DRM_HOSTNAME)")
    log.add_argument("--after", type=seq_number, default=0, metavar="SEQ",
                     help="only events after this seq")
    log.add_argument("--source", choices=("store", "stream"), default="store")
    log.add_argument("--offset", default="first",
                     help="stream offset: first, last, next, a number or an ISO timestamp")
    log.add_argument("--json", action="store_true", help="one JSON event per line")
    log.set_defaults(func=run_log)



def _summary(event) -> str:
    payload = event.payload
    if event.type in ("CommandFailed", "CommandRejected"):
        return f"{payload.get('command')}: {payload.get('message_id')} {payload.get('text')}"
    if event.type == "CommandCompleted":
        return str(payload.get("command"))
    return ", ".join(f"{k}={v}" for k, v in list(payload.items())[:4])


def _print_events(events, as_json: bool) -> None:
    """A table, or (``as_json``) one compact JSON object per line, one line per event."""
    if as_json:
        for event in events:
            print(json.dumps(event.to_wire(), ensure_ascii=False, separators=(",", ":"),
                             default=str))
        return
    rows = [(e.host, e.seq, format_timestamp(e.occurred_at), e.type, e.principal, _summary(e))
            for e in events]
    for line in table(("HOST", "SEQ", "OCCURRED", "TYPE", "PRINCIPAL", "DETAIL"), rows):
        print(line)


def run_log(args) -> int:
    settings = load_settings()
    if args.source == "stream":
        return _run_stream_log(args, settings)
    host = require_known(settings, args.host or settings.hostname)
    _print_events(open_store(settings, host, sign=False).read(host, after_seq=args.after),
                  args.json)
    return 0


def _run_stream_log(args, settings) -> int:
    from adapters.log_readers import READ_ERRORS, parse_offset
    from adapters.messaging.log_replay import replay
    from adapters.messaging.topology import Topology

    if settings.embedded:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.BAD_COMMAND, "--source stream needs DRM_BROKER_URL (a RabbitMQ broker)"))
    try:
        offset = parse_offset(args.offset)
    except ValueError as error:
        raise CliError(messages.PROCESSING_ERROR,
                       messages.error_text(messages.BAD_COMMAND, str(error))) from error
    stream = Topology(settings.namespace).event_log_name
    events, errors = [], []
    try:
        for record in replay(settings.broker_url, stream, offset, stream_url=settings.stream_url):
            if record.error is not None:
                errors.append(f"offset {record.offset}: {record.error}")
            elif (not args.host or record.event.host == args.host) and record.event.seq > args.after:
                events.append(record.event)
    except READ_ERRORS as error:  # refused, reset, a broken frame, or closed by the broker
        where = settings.stream_url or settings.broker_url
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.BROKER_UNREACHABLE, f"cannot read the shared log {stream} at "
                                         f"{_without_password(where)}: {error}")) from error
    _print_events(events, args.json)
    if errors:
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.STORE_INTEGRITY, "unreadable events in the stream: " + "; ".join(errors)))
    return 0


def _without_password(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return parsed._replace(netloc=parsed.netloc.replace(f":{parsed.password}@", ":***@")).geturl()



LOG = LocalEntry("log", register_log)
