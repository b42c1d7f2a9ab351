"""Who may say what on the bus: the consumers' checks of ``user_id``, principals, reply_to."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from adapters.messaging.identities import (NO_IDENTITIES, Identities, is_direct_reply_to,
                                           principal_for, user_of_principal)

ON = Identities(enabled=True)


class TestEvents:
    def test_an_event_of_a_host_is_accepted_from_that_hosts_agent_only(self):
        assert ON.event_refusal("drm-agent-H1", "H1") is None
        assert "drm-agent-H1" in ON.event_refusal("drm-agent-H2", "H1")
        assert "unnamed" in ON.event_refusal(None, "H1")
        assert ON.event_refusal("drm-cli-H1", "H1") is not None

    def test_without_identities_every_event_is_accepted(self):
        assert NO_IDENTITIES.event_refusal(None, "H1") is None
        assert NO_IDENTITIES.event_refusal("guest", "H1") is None


class TestCommands:
    def test_a_principal_names_the_user_that_may_send_it(self):
        assert user_of_principal("alice@FSServer") == "drm-cli-FSServer"
        assert user_of_principal("agent@BKServer") == "drm-agent-BKServer"
        assert user_of_principal("drm-report@report") == "drm-report-report"
        assert user_of_principal("a@b@c") == "drm-cli-c"

    def test_a_principal_without_who_and_where_names_nobody(self):
        for principal in ("alice", "@host", "alice@", ""):
            assert user_of_principal(principal) is None

    def test_a_command_is_accepted_from_its_principals_user_only(self):
        assert ON.command_refusal("drm-cli-FSServer", "alice@FSServer") is None
        assert ON.command_refusal("drm-agent-BK", "agent@BK") is None
        assert ON.command_refusal("drm-cli-BK", "agent@BK") is not None  # a CLI posing as an agent
        assert ON.command_refusal("drm-agent-FS", "alice@FSServer") is not None
        assert ON.command_refusal(None, "alice@FSServer") is not None
        assert ON.command_refusal("drm-cli-x", "nobody") is not None
        assert NO_IDENTITIES.command_refusal(None, "nobody") is None

    @settings(max_examples=200, deadline=None)
    @given(user=st.one_of(st.none(), st.text(max_size=30)), principal=st.text(max_size=30))
    def test_a_command_is_accepted_only_when_the_user_is_the_principals(self, user, principal):
        accepted = ON.command_refusal(user, principal) is None
        assert accepted == (user is not None and user == user_of_principal(principal))

    def test_the_principal_follows_the_login_of_a_cli_or_reporting_user(self):
        assert principal_for("drm-cli-FSServer", "alice", "alice@box") == "alice@FSServer"
        assert principal_for("drm-report-r1", "alice", "x") == "drm-report@r1"
        assert principal_for("guest", "alice", "alice@box") == "alice@box"
        assert principal_for(None, "alice", "alice@box") == "alice@box"
        user = "drm-cli-FSServer"
        assert user_of_principal(principal_for(user, "alice", "-")) == user


class TestReplyTo:
    def test_only_a_direct_reply_to_name_is_a_reply_queue(self):
        assert is_direct_reply_to("amq.rabbitmq.reply-to.g1h2AA1yZXBseUA.N6kG==")
        for name in ("amq.rabbitmq.reply-to", "drm.events.log", "drm.agent.H2",
                     "drm.reply.0123", "", "xamq.rabbitmq.reply-to.a"):
            assert not is_direct_reply_to(name)
