"""The RabbitMQ definitions ``drm lab credentials`` writes: users without passwords in the clear,
narrow permissions, the managed topology, secret files only their owner can read."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import stat

from adapters.messaging.definitions import (Principals, broker_definitions, new_secrets,
                                            password_hash, write_credentials)

PRINCIPALS = Principals(hosts=("FSServer", "BK-1"), clis=("FSServer",), reporters=("report",))


def definitions(vhost: str = "/") -> tuple[dict, dict]:
    passwords = new_secrets(PRINCIPALS.users())
    return broker_definitions("drm", vhost, PRINCIPALS, passwords), passwords


def permissions_of(document: dict, user: str) -> dict:
    (row,) = [p for p in document["permissions"] if p["user"] == user]
    return row


def allows(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


class TestUsers:
    def test_one_user_per_agent_cli_and_reporting_consumer(self):
        document, passwords = definitions()
        names = [u["name"] for u in document["users"]]
        assert names == ["drm-agent-FSServer", "drm-agent-BK-1", "drm-cli-FSServer",
                         "drm-report-report"]
        assert set(passwords) == set(names) and len(set(passwords.values())) == 4

    def test_the_document_holds_hashes_that_rabbitmq_can_check_not_passwords(self):
        document, passwords = definitions()
        text = json.dumps(document)
        for user in document["users"]:
            assert passwords[user["name"]] not in text
            raw = base64.b64decode(user["password_hash"])
            salt, digest = raw[:4], raw[4:]
            assert digest == hashlib.sha256(salt + passwords[user["name"]].encode()).digest()
            assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"

    def test_the_same_password_hashes_differently_each_time(self):
        assert password_hash("secret") != password_hash("secret")
        assert password_hash("secret", b"salt") == password_hash("secret", b"salt")


class TestPermissions:
    def test_an_agent_writes_events_commands_and_replies_and_reads_its_own_queue(self):
        document, _ = definitions()
        agent = permissions_of(document, "drm-agent-BK-1")
        assert agent["configure"] == "^$"
        for name in ("drm.events", "drm.commands", "amq.default"):
            assert allows(agent["write"], name)
        assert not allows(agent["write"], "drm.events.log")
        assert allows(agent["read"], "drm.agent.BK-1")
        assert not allows(agent["read"], "drm.agent.FSServer")
        assert not allows(agent["read"], "drm.agent.BK-10")

    def test_an_agent_may_publish_only_its_own_hosts_routing_keys(self):
        document, _ = definitions()
        (topic,) = [t for t in document["topic_permissions"] if t["user"] == "drm-agent-BK-1"]
        assert topic["exchange"] == "drm.events"
        assert allows(topic["write"], "BK-1.CommandCompleted")
        assert not allows(topic["write"], "FSServer.CommandCompleted")
        assert not allows(topic["write"], "BK-10.CommandCompleted")

    def test_a_cli_writes_only_the_commands_exchange(self):
        document, _ = definitions()
        cli = permissions_of(document, "drm-cli-FSServer")
        assert cli["configure"] == "^$"
        assert allows(cli["write"], "drm.commands")
        for name in ("drm.events", "amq.default", "drm.agent.FSServer"):
            assert not allows(cli["write"], name)
        assert not allows(cli["read"], "drm.agent.FSServer")

    def test_a_reporting_consumer_reads_the_log_and_writes_no_events(self):
        document, _ = definitions()
        report = permissions_of(document, "drm-report-report")
        assert allows(report["read"], "drm.events.log")
        assert not allows(report["write"], "drm.events")
        assert not allows(report["configure"], "drm.events.log")

    def test_every_row_names_the_vhost(self):
        document, _ = definitions(vhost="lab")
        assert document["vhosts"] == [{"name": "lab"}]
        for key in ("permissions", "topic_permissions", "exchanges", "queues", "bindings"):
            assert {row["vhost"] for row in document[key]} == {"lab"}


class TestTopology:
    def test_the_shared_entities_and_every_hosts_queue_are_defined(self):
        document, _ = definitions()
        assert {e["name"] for e in document["exchanges"]} == {
            "drm.commands", "drm.events", "drm.dead"}
        queues = {q["name"]: q["arguments"] for q in document["queues"]}
        assert queues["drm.events.log"] == {"x-queue-type": "stream"}
        assert queues["drm.agent.BK-1"]["x-queue-type"] == "quorum"
        bindings = {(b["source"], b["destination"], b["routing_key"])
                    for b in document["bindings"]}
        assert ("drm.commands", "drm.agent.FSServer", "FSServer") in bindings
        assert ("drm.events", "drm.events.log", "#") in bindings


class TestFiles:
    def test_definitions_and_secrets_are_readable_by_their_owner_only(self, tmp_path):
        document, passwords = definitions()
        written = write_credentials(tmp_path / "creds", document, passwords)
        assert len(written) == 1 + len(passwords)
        for path in written:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        secret = json.loads((tmp_path / "creds/secrets/drm-agent-BK-1.json").read_text())
        assert secret == {"user": "drm-agent-BK-1", "password": passwords["drm-agent-BK-1"]}
        assert stat.S_IMODE((tmp_path / "creds/secrets").stat().st_mode) == 0o700
