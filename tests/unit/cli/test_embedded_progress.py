"""Embedded mode: progress lines reach the CLI while the in-process agent is still working."""
from __future__ import annotations

from events.host_commands import HostInfo
from events.outcomes import CommandCompleted
from services.agent import handlers
from services.cli.runtime import command_runner
from services.settings import load_settings


def test_progress_is_delivered_during_the_work_not_after_it(monkeypatch, tmp_path):
    received: list[str] = []

    def slow_copy(command, context):
        context.progress("VG01,VOL01: COPY 40%")
        seen_while_working = list(received)
        context.progress("VG01,VOL01: COPY 80%")
        return [CommandCompleted(command=command.name,
                                 result={"seen_while_working": seen_while_working})]

    monkeypatch.setitem(handlers.COMMAND_HANDLERS, HostInfo, slow_copy)
    settings = load_settings({}, data_dir=tmp_path, hostname="FSServer")
    with command_runner(settings) as runner:
        outcome = runner.call(HostInfo(), "FSServer", progress=received.append)
        after = runner.call(HostInfo(), "FSServer")  # no sink: nothing printed, no error
    assert outcome.payload["result"]["seen_while_working"] == ["VG01,VOL01: COPY 40%"]
    assert received == ["VG01,VOL01: COPY 40%", "VG01,VOL01: COPY 80%"]
    assert after.type == "CommandCompleted"
