"""``drm verify`` (a host's chain and signed heads, optionally against an auditor's state or the
shared log) and ``drm key`` (show and rotate host keys). ADR 0005."""
from __future__ import annotations

from pathlib import Path

from adapters.auditor_state import AuditorState, StateFileError
from adapters.event_store.verify import VerifyResult, compare_with_log
from adapters.keys import KeyFileError
from services import messages
from services.cli.entries import LocalEntry
from services.cli.errors import CliError
from services.cli.errors import usage_error as usage_error_for
from services.cli.hosts import require_known
from services.cli.output import emit_json, table
from services.settings import load_settings


def register_verify(subparsers) -> None:
    verify = subparsers.add_parser(
        "verify", help="check a host's sequence, hash chain and signed heads",
        description="Walk the host's stream: every seq present once, every hash matching its "
                    "event and linking to the one before, the history covered by heads signed "
                    "with a trusted key of the host. Exit 1 naming the first bad seq.")
    verify.add_argument("--host", help="host to verify (default: DRM_HOSTNAME)")
    verify.add_argument("--state", metavar="FILE", type=Path,
                        help="auditor state: the last head verified per host; the history must "
                             "still contain it (a history cut short or rewritten is caught), "
                             "and the file is advanced to the head verified now")
    verify.add_argument("--against", choices=("stream",),
                        help="also compare with the events the host published to the shared log")
    verify.add_argument("--every-signature", action="store_true",
                        help="check the signature of every signed head, not only the last")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=run_verify)


def register_key(subparsers) -> None:
    key = subparsers.add_parser("key", help="host signing keys: show the trusted keys, rotate")
    commands = key.add_subparsers(dest="key_command", metavar="<key command>")
    show = commands.add_parser("show", help="the trusted keys of every host (or one)")
    show.add_argument("--host")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)
    rotate = commands.add_parser("rotate", help="a new key for a host; the old one is retired "
                                                "(it still verifies what it signed)")
    rotate.add_argument("--host", help="host (default: DRM_HOSTNAME)")
    rotate.set_defaults(func=run_rotate)
    key.set_defaults(func=lambda args, **_: _no_key_command(key.format_usage()))


def _no_key_command(usage: str) -> int:
    raise usage_error_for("a key command is needed: show or rotate", usage)


def integrity_error(text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR, messages.error_text(messages.STORE_INTEGRITY, text))


def usage_error(text: str) -> CliError:
    return CliError(messages.PROCESSING_ERROR, messages.error_text(messages.BAD_COMMAND, text))


def run_verify(args, **_) -> int:
    from services.agent.bootstrap import open_store
    from services.trust import trusted_keys

    settings = load_settings()
    host = require_known(settings, args.host or settings.hostname)
    try:
        keys = trusted_keys(settings)
        state = AuditorState.load(args.state) if args.state else None
    except (KeyFileError, StateFileError) as error:
        raise usage_error(str(error)) from None
    store = open_store(settings, host, sign=False)
    result = store.verify(host, keys, keys.enrolled_at(host),
                          state.held(host) if state else None, args.every_signature)
    if result.ok and args.against == "stream":
        result = _against_stream(result, store, settings, host)
    _show(result, args.json, keys.enrolled(host))
    if not result.ok:
        raise integrity_error(f"host {host}: chain broken at seq {result.first_bad_seq}: "
                              f"{result.problem}")
    if state is not None and result.last_head is not None:
        state.advance(result.last_head)
        state.save(args.state)
    return 0


def _against_stream(result: VerifyResult, store, settings, host: str) -> VerifyResult:
    from adapters.log_readers import READ_ERRORS
    from adapters.messaging.log_replay import replay
    from adapters.messaging.topology import Topology

    if settings.embedded:
        raise usage_error("--against stream needs DRM_BROKER_URL (a RabbitMQ broker)")
    stream = Topology(settings.namespace).event_log_name
    try:
        logged = [(r.event.seq, r.event.hash) for r in
                  replay(settings.broker_url, stream, "first", stream_url=settings.stream_url)
                  if r.event is not None and r.event.host == host]
    except READ_ERRORS as error:  # refused, reset, a broken frame, or closed by the broker
        raise CliError(messages.PROCESSING_ERROR, messages.error_text(
            messages.AGENT_TIMEOUT, f"cannot read the shared log {stream}: {error}")) from None
    return compare_with_log(result, [e.hash for e in store.read(host)], logged)


def _show(result: VerifyResult, as_json: bool, enrolled: bool) -> None:
    if as_json:
        emit_json({"host": result.host, "ok": result.ok, "checked": result.checked,
                   "head_seq": result.head_seq, "first_bad_seq": result.first_bad_seq,
                   "problem": result.problem, "signed_seq": result.signed_seq,
                   "key_id": result.last_head.key_id if result.last_head else None})
    elif result.ok:
        signed = (f"signed up to seq {result.signed_seq} by key {result.last_head.key_id}"
                  if result.last_head else
                  "not signed (no key registered for the host)" if not enrolled else "")
        print(f"{result.host}: {result.checked} events, seq 1..{result.head_seq}, chain intact"
              + (f", {signed}" if signed else ""))


def run_show(args, **_) -> int:
    from services.trust import trusted_keys

    try:
        keys = trusted_keys(load_settings())
    except KeyFileError as error:
        raise usage_error(str(error)) from None
    listed = {h: e for h, e in keys.hosts.items() if not args.host or h == args.host}
    if args.json:
        emit_json({host: [vars(entry) for entry in entries] for host, entries in listed.items()})
        return 0
    rows = [(host, e.key_id, e.valid_from, e.retired_at or "-")
            for host, entries in sorted(listed.items()) for e in entries]
    for line in table(("HOST", "KEY-ID", "VALID-FROM", "RETIRED-AT"), rows):
        print(line)
    return 0


def run_rotate(args, **_) -> int:
    from services.trust import key_store

    settings = load_settings()
    host = args.host or settings.hostname
    try:
        old, new = key_store(settings).rotate(host)
    except KeyFileError as error:
        raise usage_error(str(error)) from None
    print(f"{host}: new key {new}" + (f"; key {old} retired (it still verifies what it signed)"
                                      if old else ""))
    return 0


VERIFY = LocalEntry("verify", register_verify)
KEY = LocalEntry("key", register_key)
