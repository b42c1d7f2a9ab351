import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import REGISTRY, EventRegistry, EventSchemaError, seal
from events.base import Payload
from events.canonical import GENESIS_HASH, canonical_json, format_timestamp
from events.codec import decode_command, decode_event, encode_event
from events.envelope import EVENT_ID_NAMESPACE, event_id_for
from tests.builders import a_context, completed_drafts


class TestSeal:
    def test_numbers_events_after_the_head_and_links_the_chain(self):
        first = seal("FSServer", 0, GENESIS_HASH, completed_drafts(3), a_context())
        assert [e.seq for e in first] == [1, 2, 3]
        assert first[0].prev_hash == GENESIS_HASH
        assert [e.prev_hash for e in first[1:]] == [e.hash for e in first[:-1]]
        more = seal("FSServer", 3, first[-1].hash, completed_drafts(1), a_context())
        assert more[0].seq == 4 and more[0].prev_hash == first[-1].hash

    def test_hash_is_recomputable_from_the_other_fields(self):
        event = seal("FSServer", 0, GENESIS_HASH, completed_drafts(1), a_context())[0]
        assert event.expected_hash() == event.hash
        edited = event.model_copy(update={"principal": "mallory@lab"})
        assert edited.expected_hash() != event.hash

    def test_redelivered_command_gets_the_same_event_ids(self):
        command_id = str(uuid.uuid4())
        once = seal("h", 0, GENESIS_HASH, completed_drafts(2), a_context(command_id))
        again = seal("h", 0, GENESIS_HASH, completed_drafts(2), a_context(command_id))
        assert [e.event_id for e in once] == [e.event_id for e in again]
        assert once[0].event_id != once[1].event_id

    def test_event_ids_are_name_based_uuids_of_the_command(self):
        command_id = str(uuid.uuid4())
        event_id = uuid.UUID(event_id_for(command_id, 7))
        assert event_id.version == 5
        assert str(event_id)[:24] == str(uuid.uuid5(EVENT_ID_NAMESPACE, command_id))[:24]
        assert event_id_for(command_id, 7) != event_id_for(command_id, 8)


class TestCanonicalJson:
    def test_sorts_keys_without_whitespace(self):
        assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": "é"}}) == \
            '{"a":{"c":"é","d":[1,2]},"b":1}'

    def test_timestamps_are_utc_with_microseconds(self):
        moment = datetime(2026, 11, 29, 10, 0, 0, tzinfo=timezone(timedelta(hours=9)))
        assert format_timestamp(moment) == "2026-11-29T01:00:00.000000Z"
        with pytest.raises(ValueError):
            format_timestamp(datetime(2026, 1, 1))

    @settings(max_examples=50, deadline=None)
    @given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=8), max_size=6))
    def test_matches_the_standard_library_definition(self, value):
        expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert canonical_json(value) == expected


class Greeted(Payload):
    name: str
    language: str


def a_registry_with_greeted_v2() -> EventRegistry:
    registry = EventRegistry()
    registry.register("Greeted", Greeted, version=2)

    @registry.upcaster("Greeted", from_version=1)
    def add_language(payload):
        return {**payload, "language": "en"}

    return registry


class TestRegistryAndUpcasting:
    def test_version_1_payload_reads_as_version_2(self):
        registry = a_registry_with_greeted_v2()
        payload = registry.load_payload("Greeted", 1, {"name": "Ada"})
        assert payload == Greeted(name="Ada", language="en")

    def test_missing_upcaster_is_an_error_naming_host_seq_and_field(self):
        registry = EventRegistry()
        registry.register("Greeted", Greeted, version=2)
        with pytest.raises(EventSchemaError) as caught:
            registry.load_payload("Greeted", 1, {"name": "Ada"}, host="FSServer", seq=12)
        assert (caught.value.host, caught.value.seq, caught.value.field) == ("FSServer", 12,
                                                                             "version")

    def test_newer_version_than_known_is_refused(self):
        registry = a_registry_with_greeted_v2()
        with pytest.raises(EventSchemaError, match="newer"):
            registry.load_payload("Greeted", 3, {"name": "Ada", "language": "fr"})

    def test_registering_a_name_twice_fails(self):
        registry = EventRegistry()
        registry.register("Greeted", Greeted)
        with pytest.raises(ValueError):
            registry.register("Greeted", Greeted)


class TestDecodeEvent:
    def an_event_body(self):
        event = seal("FSServer", 0, GENESIS_HASH, completed_drafts(1), a_context())[0]
        return json.loads(encode_event(event)), event

    def test_round_trips_through_the_wire_form(self):
        body, event = self.an_event_body()
        assert decode_event(json.dumps(body)) == event

    def test_malformed_json_is_named(self):
        with pytest.raises(EventSchemaError, match="malformed JSON"):
            decode_event(b"{not json")

    def test_unknown_type_names_host_seq_and_field(self):
        body, _ = self.an_event_body()
        body["type"] = "NoSuchThing"
        with pytest.raises(EventSchemaError) as caught:
            decode_event(body)
        assert (caught.value.host, caught.value.seq, caught.value.field) == ("FSServer", 1, "type")

    def test_payload_failing_validation_names_the_field(self):
        body, _ = self.an_event_body()
        body["payload"]["result"] = "not a mapping"
        with pytest.raises(EventSchemaError) as caught:
            decode_event(body)
        assert caught.value.field == "payload.result" and caught.value.seq == 1

    def test_envelope_field_errors_name_the_field(self):
        body, _ = self.an_event_body()
        body["prev_hash"] = "xyz"
        with pytest.raises(EventSchemaError) as caught:
            decode_event(body)
        assert caught.value.field == "prev_hash" and caught.value.host == "FSServer"

    def test_registered_payload_rejects_nan(self):
        assert REGISTRY.known("CommandCompleted")
        with pytest.raises(Exception):
            Greeted(name=float("nan"), language="en")  # type: ignore[arg-type]


class TestDecodeCommand:
    def test_missing_target_is_named(self):
        with pytest.raises(EventSchemaError) as caught:
            decode_command({"command": {"name": "HostInfo"}, "principal": "p",
                            "issued_at": "2026-01-01T00:00:00Z"})
        assert caught.value.field == "command.target_host"


class TestPairResyncedVersions:
    def test_a_version_1_resync_reads_as_a_full_comparison(self):
        from events import filesystem as fs
        from events.registry import REGISTRY

        old = {"workflow_id": "w", "copy_group": "VG01,dev01", "direction": "forward", "status": "PAIR",
               "bytes_copied": 10}
        payload = REGISTRY.load_payload("PairResynced", 1, old)
        assert (payload.comparison, payload.full_reason) == ("full", "")
        assert REGISTRY.current_version("PairResynced") == 2
        assert isinstance(payload, fs.PairResynced)

    def test_a_version_2_resync_keeps_why_it_compared_everything(self):
        from events import filesystem as fs
        from events.registry import REGISTRY

        event = fs.PairResynced(workflow_id="w", copy_group="g", direction="forward", status="PAIR",
                                comparison="full", full_reason="the journal overflowed")
        assert REGISTRY.load_payload("PairResynced", 2, event.model_dump(mode="json")) == event
        with pytest.raises(EventSchemaError):
            REGISTRY.load_payload("PairResynced", 2, {**event.model_dump(mode="json"), "comparison": "guess"})
