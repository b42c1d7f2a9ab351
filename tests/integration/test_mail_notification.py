"""Mail notification (mail.conf) against a real SMTP server started in-process (aiosmtpd, the
``[test]`` extra): the manual's subject and body, MAIL_SEND=NO|ERROR|ALWAYS, no password in the
mail, and a dead server reported without raising."""
from __future__ import annotations

import socket

import pytest

aiosmtpd = pytest.importorskip("aiosmtpd", reason="the [test] extra aiosmtpd is not installed")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.handlers import Message  # noqa: E402

from adapters.config.mail_conf import parse_mail_conf  # noqa: E402
from adapters.mail.notify import notification, send  # noqa: E402


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def conf_for(port: int, mail_send: str = "ERROR"):
    return parse_mail_conf(f"MAIL_SEND={mail_send}\nSMTP_SERVER=127.0.0.1\nSMTP_PORT={port}\n"
                           f"TO=ops@example.com\nTO=backup@example.com\nFROM=drm@example.com\n"
                           f"TEXT=Protection Manager message:\n")


LINES = ["2005/10/08 19:22:32(00003896) drmfsbackup /mnt/fs1 -password hunter2",
         "2005/10/08 19:22:32(00003896) KAVX0001-I The drmfsbackup command will now start.",
         "2005/10/08 19:27:01(00003896) KAVX0002-I The drmfsbackup command will now end."]


def test_a_failed_backup_is_mailed_with_the_manuals_body(smtp_server):
    inbox, port = smtp_server
    conf = conf_for(port)
    assert conf.wants(failed=True)
    problem = send(conf, notification(conf, failed=True, hostname="flora1",
                                      drm_hostname="ExchangeServer1", lines=LINES))
    assert problem is None
    [mail] = inbox.messages
    assert mail["Subject"] == "Protection Manager Error" and mail["From"] == "drm@example.com"
    assert mail["X-RcptTo"] == "ops@example.com, backup@example.com"
    body = mail.get_payload(decode=True).decode()
    assert body.splitlines()[:3] == ["Protection Manager message:",
                                     "Hostname=flora1 DRM_HOSTNAME=ExchangeServer1",
                                     "2005/10/08 19:22:32(00003896) drmfsbackup /mnt/fs1 "
                                     "-password ****"]
    assert "hunter2" not in mail.as_string()


@pytest.mark.parametrize("mail_send, failed, sent", [
    ("NO", True, False), ("ERROR", False, False), ("ERROR", True, True),
    ("ALWAYS", False, True)])
def test_mail_send_decides(mail_send, failed, sent):
    assert conf_for(25, mail_send).wants(failed=failed) is sent


def test_a_normal_end_uses_the_normal_subject(smtp_server):
    inbox, port = smtp_server
    conf = conf_for(port, "ALWAYS")
    assert send(conf, notification(conf, failed=False, hostname="h", drm_hostname=None,
                                   lines=LINES)) is None
    assert inbox.messages[0]["Subject"] == "Protection Manager Information"


def test_a_server_that_does_not_answer_is_reported_not_raised():
    conf = conf_for(free_port())  # nothing listens there
    problem = send(conf, notification(conf, failed=True, hostname="h", drm_hostname=None,
                                      lines=[]), timeout=5)
    assert problem and "Error" in problem


def test_drmfsbackup_that_fails_mails_its_output_log_records(smtp_server, tmp_path, monkeypatch,
                                                             capsys):
    from services.cli.main import run as run_cli
    from tests.unit.cli.fakes import FakeRunner, rejected

    inbox, port = smtp_server
    for key in ("DRM_BROKER_URL", "DRM_DATABASE_URL", "DRM_NAMESPACE", "DRM_INIT_CONF"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DRM_HOSTNAME", "FSServer")
    monkeypatch.setenv("DRM_NODE_NAME", "flora1")
    conf = tmp_path / "hosts" / "FSServer" / "conf"
    conf.mkdir(parents=True)
    (conf / "mail.conf").write_text(f"MAIL_SEND=ERROR\nSMTP_SERVER=127.0.0.1\n"
                                    f"SMTP_PORT={port}\nTO=ops@example.com\n")
    runner = FakeRunner(rejected("BackupFileSystem", "KAVX0006-E", "it failed"))
    assert run_cli(["fsbackup", "/mnt/fs1"], connect=runner.connect()) == 1
    [mail] = inbox.messages
    body = mail.get_payload(decode=True).decode().splitlines()
    assert mail["Subject"] == "Protection Manager Error"
    assert body[1] == "Hostname=flora1 DRM_HOSTNAME=FSServer"
    assert body[2].endswith(") drmfsbackup /mnt/fs1")
    assert body[3].endswith(") KAVX0001-I The drmfsbackup command will now start.")
    assert any(line.endswith(") KAVX0006-E it failed") for line in body)
    runner = FakeRunner(rejected("BackupFileSystem", "KAVX0006-E", "again"))
    (conf / "mail.conf").write_text("MAIL_SEND=NO\n")
    run_cli(["fsbackup", "/mnt/fs1"], connect=runner.connect())
    assert len(inbox.messages) == 1
    capsys.readouterr()
