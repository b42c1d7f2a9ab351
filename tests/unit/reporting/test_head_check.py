"""The consumer's check of the signed heads sent beside the events (ADR 0005)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from adapters.keys import KeyStore
from events.codec import encode_event
from events.envelope import EventContext, seal
from events.signing import sign_head
from projections.reporting.head_check import BAD_SIGNATURE, HeadCheck
from projections.reporting.ingest import Ingestor, SourceRecord
from tests.builders import completed_drafts


@pytest.fixture
def keys(tmp_path):
    return KeyStore(tmp_path / "keys", tmp_path / "trusted_keys.json")


def batch(host: str, count: int = 3, after=(0, "0" * 64)):
    context = EventContext(principal="tester@lab", occurred_at=datetime.now(timezone.utc))
    return seal(host, after[0], after[1], completed_drafts(count), context)


def records(events, heads=None):
    heads = heads or {}
    return [SourceRecord(n, encode_event(e, heads.get(e.seq))) for n, e in enumerate(events)]


def ingestor(keys):
    return Ingestor(lambda host, seq: None, head_check=HeadCheck(keys.trusted()))


def kinds(changes):
    return [alert[2] for alert in changes.alerts]


def test_a_valid_head_becomes_the_hosts_last_verified_head(keys):
    events = batch("FS1")
    head = sign_head(keys.signer("FS1"), 3, events[-1].hash)
    changes = ingestor(keys).ingest(records(events, {3: head.to_wire()}))
    assert changes.alerts == [] and changes.heads == {"FS1": head}
    assert changes.hosts[0].untrusted_from is None


def test_events_without_a_head_are_applied_and_hold_no_head(keys):
    keys.signer("FS1")
    changes = ingestor(keys).ingest(records(batch("FS1")))
    assert changes.alerts == [] and changes.heads == {} and len(changes.events) == 3


@pytest.mark.parametrize("forgery", ["signature", "key", "other event", "malformed"])
def test_a_bad_head_is_alerted_and_distrusts_the_host(keys, forgery, tmp_path):
    events = batch("FS1")
    head = sign_head(keys.signer("FS1"), 3, events[-1].hash).to_wire()
    if forgery == "signature":
        head["signature"] = "ab" * 64
    elif forgery == "key":  # signed by a key the registry does not know
        stranger = KeyStore(tmp_path / "other", tmp_path / "other.json").signer("FS1")
        head = sign_head(stranger, 3, events[-1].hash).to_wire()
    elif forgery == "other event":
        head = sign_head(keys.signer("FS1"), 2, events[1].hash).to_wire()
    else:
        head["seq"] = "3"
    changes = ingestor(keys).ingest(records(events, {3: head}))
    assert kinds(changes) == [BAD_SIGNATURE] and changes.heads == {}
    assert changes.hosts[0].untrusted_from == 3


def test_a_forged_event_after_a_signed_batch_carries_no_valid_head(keys):
    events = batch("FS1")
    signer = keys.signer("FS1")
    forged = batch("FS1", 1, after=(3, events[-1].hash))
    fake = sign_head(signer, 3, events[-1].hash).to_wire()  # a genuine head, replayed
    changes = ingestor(keys).ingest(records(events + forged, {3: fake, 4: fake}))
    assert kinds(changes) == [BAD_SIGNATURE] and changes.heads["FS1"].seq == 3


def test_a_valid_head_vouches_for_the_heads_before_it_and_a_later_bad_one_is_alerted(keys):
    signer = keys.signer("FS1")
    first = batch("FS1")
    second = batch("FS1", 2, after=(3, first[-1].hash))
    third = batch("FS1", 1, after=(5, second[-1].hash))
    heads = {3: sign_head(signer, 3, first[-1].hash).to_wire(),
             5: sign_head(signer, 5, second[-1].hash).to_wire(),
             6: sign_head(signer, 6, third[-1].hash).to_wire()}
    heads[3]["signature"] = "cd" * 64  # before a valid head: implied by it, not checked
    changes = ingestor(keys).ingest(records(first + second + third, heads))
    assert changes.alerts == [] and changes.heads["FS1"].seq == 6
    heads[6]["signature"] = "cd" * 64  # after the last valid head: alerted
    changes = ingestor(keys).ingest(records(first + second + third, heads))
    assert [(a[1], a[2]) for a in changes.alerts] == [(6, BAD_SIGNATURE)]
    assert changes.heads["FS1"].seq == 5
