"""The check tools (EX_DRM_FS_DEF_CHECK, EX_DRM_CG_DEF_CHECK, EX_DRM_HOST_DEF_CHECK) on a real
store: a good file is recorded with its hash and its directories are created; a bad one is
refused with file, line and key, and nothing is created."""
from __future__ import annotations

from pathlib import Path

import pytest

from adapters.config.host_dat import MODEL_TEXT
from adapters.config.layout import host_layout
from adapters.db import make_engine
from adapters.event_store import SqlEventStore
from adapters.migrations import upgrade
from services.agent.handlers import COMMAND_HANDLERS, QUERY_HANDLERS
from services.agent.ports import AgentPorts
from services.agent.service import HostAgent
from services.settings import load_settings
from tests.builders import a_command

HOST = "FSServer"


def an_agent(data_dir: Path, host: str = HOST, **settings) -> tuple[HostAgent, SqlEventStore]:
    (data_dir / "hosts" / host).mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{data_dir / 'hosts' / host / 'events.db'}")
    upgrade(engine)
    store = SqlEventStore(engine)
    ports = AgentPorts(data_dir=data_dir, settings=load_settings(environ={}, data_dir=data_dir,
                                                                 **settings))
    return HostAgent(host, store, COMMAND_HANDLERS, ports, queries=QUERY_HANDLERS), store


def operation_text(data_dir: Path, server: str = HOST, cluster: str = "0",
                   instance: str = "app.txt") -> str:
    return (f"BACKUP_OBJECT=FILESYSTEM\nDB_SERVER_NAME={server}\nINSTANCE_NAME={instance}\n"
            f"TARGET_NAME=\nFTP_HOME_DIR={data_dir / 'FTP_ROOT'}\nFTP_SUB_DIR=script\n"
            f"SET_DRM_HOSTNAME={cluster}\n")


def place(data_dir: Path, host: str, name: str, text: str) -> Path:
    layout = host_layout(data_dir, host)
    layout.script_conf.mkdir(parents=True, exist_ok=True)
    path = layout.script_conf / name
    path.write_text(text)
    return path


def test_fs_def_check_db_creates_the_temporary_directory_and_records_the_hash(tmp_path):
    agent, store = an_agent(tmp_path)
    place(tmp_path, HOST, "_Operation_A.dat", operation_text(tmp_path))
    outcome = agent.handle(a_command("CheckOperationDefinition", operation_id="operation_a",
                                     side="db"))
    assert outcome.type == "CommandCompleted", outcome.payload
    temp = tmp_path / "hosts" / HOST / "script_work" / "Operation_A" / "DB"
    assert temp.is_dir() and outcome.payload["result"]["directories"] == [str(temp)]
    [checked, _] = store.read(HOST)
    assert checked.type == "DefinitionChecked" and checked.payload["created"] == [str(temp)]
    assert len(checked.payload["digest"]) == 64 and checked.payload["operation_id"] == \
        "Operation_A"
    again = agent.handle(a_command("CheckOperationDefinition", operation_id="Operation_A",
                                   side="db"))
    assert again.type == "CommandCompleted" and store.read(HOST)[-2].payload["created"] == []


def test_fs_def_check_bk_creates_bk_and_ap_under_the_ftp_home(tmp_path):
    agent, _ = an_agent(tmp_path, "BKServer")
    place(tmp_path, "BKServer", "_Operation_A.dat", operation_text(tmp_path))
    missing_home = agent.handle(a_command("CheckOperationDefinition", host="BKServer",
                                          operation_id="Operation_A", side="bk"))
    assert missing_home.type == "CommandRejected" and "FTP_HOME_DIR" in \
        missing_home.payload["text"]
    (tmp_path / "FTP_ROOT").mkdir()
    outcome = agent.handle(a_command("CheckOperationDefinition", host="BKServer",
                                     operation_id="Operation_A", side="bk"))
    base = tmp_path / "FTP_ROOT" / "script" / "Operation_A"
    assert outcome.type == "CommandCompleted"
    assert (base / "BK").is_dir() and (base / "AP").is_dir()


def test_a_cluster_definition_puts_script_work_beside_the_shared_dictionary_map(tmp_path):
    agent, _ = an_agent(tmp_path, "VServer_C")
    shared = tmp_path / "shared"
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "init.conf").write_text(f"DRM_DB_PATH={shared / 'PTM'};VServer_C\n")
    place(tmp_path, "VServer_C", "_Operation_A.dat",
          operation_text(tmp_path, "VServer_C", cluster="1"))
    outcome = agent.handle(a_command("CheckOperationDefinition", host="VServer_C",
                                     operation_id="Operation_A", side="db"))
    assert outcome.type == "CommandCompleted", outcome.payload
    assert (shared / "script_work" / "Operation_A" / "DB").is_dir()


@pytest.mark.parametrize("text, expected", [
    (None, "does not exist"),
    ("BACKUP_OBJECT=FILESYSTEM\n", "DB_SERVER_NAME: missing"),
    ("{good}".replace("{good}", "X"), "line 1"),
])
def test_a_bad_definition_is_refused_with_file_line_and_key_and_creates_nothing(
        tmp_path, text, expected):
    agent, store = an_agent(tmp_path)
    if text is not None:
        place(tmp_path, HOST, "_op.dat", text)
    outcome = agent.handle(a_command("CheckOperationDefinition", operation_id="op", side="db"))
    assert outcome.type == "CommandRejected" and expected in outcome.payload["text"]
    assert "DRM-10610" in outcome.payload["text"]
    assert not (tmp_path / "hosts" / HOST / "script_work").exists()
    assert [e.type for e in store.read(HOST)] == ["CommandRejected"]


def test_the_definition_must_be_this_hosts_and_a_file_system(tmp_path):
    agent, _ = an_agent(tmp_path)
    place(tmp_path, HOST, "_op.dat", operation_text(tmp_path, server="OtherServer"))
    outcome = agent.handle(a_command("CheckOperationDefinition", operation_id="op", side="db"))
    assert "DB_SERVER_NAME: OtherServer is not this host" in outcome.payload["text"]
    place(tmp_path, HOST, "_op.dat", operation_text(tmp_path).replace(
        "FILESYSTEM", "MSSQL").replace("TARGET_NAME=", "TARGET_NAME=DB1"))
    outcome = agent.handle(a_command("CheckOperationDefinition", operation_id="op", side="db"))
    assert "is not checked by EX_DRM_FS_DEF_CHECK" in outcome.payload["text"]
    place(tmp_path, HOST, "_op.dat", operation_text(tmp_path, cluster="1"))
    outcome = agent.handle(a_command("CheckOperationDefinition", operation_id="op", side="db"))
    assert "DRM_DB_PATH" in outcome.payload["text"]
    assert not (tmp_path / "hosts" / HOST / "script_work").exists()


def test_host_def_check(tmp_path):
    agent, store = an_agent(tmp_path)
    place(tmp_path, HOST, "host.dat", MODEL_TEXT)
    outcome = agent.handle(a_command("CheckHostSettings", side="db", file="host.dat"))
    assert outcome.type == "CommandCompleted"
    assert outcome.payload["result"]["max_log_lines"] == 1000
    wrong_side = agent.handle(a_command("CheckHostSettings", side="bk", file="host.dat"))
    assert "HOST_ROLE: DB does not match -bk" in wrong_side.payload["text"]
    place(tmp_path, HOST, "host.dat", "HOST_ROLE=DB\nMAX_LOG_LINES=10\n")
    bad = agent.handle(a_command("CheckHostSettings", side="db", file="host.dat"))
    assert "host.dat line 2: MAX_LOG_LINES" in bad.payload["text"]
    outside = agent.handle(a_command("CheckHostSettings", side="db", file="/etc/passwd"))
    assert outside.type == "CommandRejected" and "outside" in outside.payload["text"]
    assert [e.type for e in store.read(HOST)].count("DefinitionChecked") == 1


def test_cg_def_check_against_the_hosts_copy_groups(tmp_path):
    agent, _ = an_agent(tmp_path)
    place(tmp_path, HOST, "_op.dat", operation_text(tmp_path))
    (tmp_path / "hosts" / HOST / "CG01.txt").write_text("VG01,VOL11\n")
    outcome = agent.handle(a_command("CheckCopyGroupList", operation_id="op", file="CG01.txt"))
    assert outcome.type == "CommandRejected"
    assert "know no copy group yet" in outcome.payload["text"]
    (tmp_path / "hosts" / HOST / "CG01.txt").write_text(" VG01,VOL11\n")
    outcome = agent.handle(a_command("CheckCopyGroupList", operation_id="op", file="CG01.txt"))
    assert "CG01.txt line 1" in outcome.payload["text"]
