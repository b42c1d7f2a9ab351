"""mail.conf (spec 03 §6): the manual's defaults and rules, warnings located by line, and
hypothesis over arbitrary text."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from adapters.config.lines import ConfigError
from adapters.config.mail_conf import MailConf, load_mail_conf, parse_mail_conf, unescape
from tests.fuzzing import examples


def test_no_file_means_no_mail(tmp_path):
    conf = load_mail_conf(tmp_path / "mail.conf")
    assert conf == MailConf() and not conf.wants(failed=True)


def test_a_full_file():
    conf = parse_mail_conf("MAIL_SEND=ERROR\nSMTP_SERVER=127.0.0.1\nsmtp_port=2525\n"
                           "TO=a@example.com\nTO=b@example.com\nFROM=drm@example.com\n"
                           "SUBJECT_ERROR=Backup failed\nTEXT=Line one\\nLine \\\\two\n")
    assert conf.wants(failed=True) and not conf.wants(failed=False)
    assert (conf.smtp_server, conf.smtp_port) == ("127.0.0.1", 2525)
    assert conf.to == ("a@example.com", "b@example.com") and conf.sender == "drm@example.com"
    assert conf.text == "Line one\nLine \\two" and conf.warnings == ()
    assert parse_mail_conf("MAIL_SEND=ALWAYS\n").wants(failed=False)


@pytest.mark.parametrize("line, why", [
    (" MAIL_SEND=ALWAYS", "start of the line"), ("MAIL_SEND =ALWAYS", "start of the line"),
    ("MAIL_SEND=always", "NO, ERROR or ALWAYS"), ("SMTP_SERVER=" + "a" * 65, "64"),
    ("SMTP_SERVER=a b", "host name"), ("TO=not an address", "mail address"),
    ("FROM=x@" + "d" * 260, "255"), ("SUBJECT_NORMAL=" + "s" * 256, "255 bytes"),
    ("TEXT=" + "t" * 1025, "1024 bytes"), ("SMTP_PORT=0", "1-65535"),
    ("PASSWORD=secret", "not a parameter"),
])
def test_a_value_against_the_rules_is_ignored_with_a_warning(line, why):
    conf = parse_mail_conf("MAIL_SEND=NO\n" + line + "\n")
    [warning] = conf.warnings
    assert warning.startswith("mail.conf line 2:") and why in warning
    assert conf.mail_send == "NO" and "secret" not in warning


def test_at_most_ten_recipients_and_ascii_only(tmp_path):
    conf = parse_mail_conf("".join(f"TO=u{n}@example.com\n" for n in range(12)))
    assert len(conf.to) == 10 and len(conf.warnings) == 2
    path = tmp_path / "mail.conf"
    path.write_bytes("TEXT=caf\u00e9\n".encode())
    with pytest.raises(ConfigError, match="ASCII"):
        load_mail_conf(path)


def test_unescape():
    assert unescape(r"a\nb\\c\d") == "a\nb\\c\\d"


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.one_of(st.text(st.characters(max_codepoint=127), max_size=50),
                          st.builds(lambda k, v: f"{k}={v}", st.sampled_from(
                              ["MAIL_SEND", "SMTP_SERVER", "SMTP_PORT", "TO", "FROM", "TEXT",
                               "SUBJECT_ERROR", "to"]),
                              st.text(st.characters(max_codepoint=127), max_size=40))),
                max_size=20))
def test_any_ascii_text_gives_a_usable_conf(lines):
    conf = parse_mail_conf("\n".join(lines))
    assert conf.mail_send in ("NO", "ERROR", "ALWAYS") and 1 <= len(conf.to) <= 10
    assert 1 <= conf.smtp_port <= 65535 and len(conf.smtp_server) <= 64
    assert all("\n" not in v and "\r" not in v for v in (conf.sender, *conf.to,
                                                          conf.subject_error,
                                                          conf.subject_normal))
