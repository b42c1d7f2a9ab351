"""The instance process: its request parser and server never fail on what a client sends
(fuzzed); a freeze belongs to the connection that asked, so a client killed while holding it
releases it; the process is started, served and stopped for real."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sqlserver.client import SqlServerClient
from adapters.sqlserver.engine import SqlServerEngine
from adapters.sqlserver.freezing import wait_released
from adapters.sqlserver.process import server_running, start_server, stop_server
from adapters.sqlserver.protocol import MAX_LINE, OPERATIONS, BadRequest, parse_request
from adapters.sqlserver.server import InstanceServer
from services.agent.application_port import ApplicationError, ApplicationPort
from tests.fuzzing import EXTREME_INTS, EXTREME_TEXT, examples

REPO = Path(__file__).resolve().parents[3]
VALUES = st.recursive(st.one_of(st.none(), st.booleans(), EXTREME_INTS, EXTREME_TEXT,
                                st.floats(allow_nan=True)),
                      lambda inner: st.one_of(st.lists(inner, max_size=4),
                                              st.dictionaries(EXTREME_TEXT, inner, max_size=4)),
                      max_leaves=12)
ARG_NAMES = st.sampled_from(sorted({name for model in OPERATIONS.values()
                                    for name in model.model_fields} | {"x"}))
REQUESTS = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda ident, op, args: json.dumps({"id": ident, "op": op, "args": args}).encode(),
              st.one_of(EXTREME_INTS, EXTREME_TEXT), st.one_of(st.sampled_from(sorted(OPERATIONS)),
                                                               EXTREME_TEXT),
              st.dictionaries(ARG_NAMES, VALUES, max_size=6)),
    st.builds(lambda value: json.dumps(value).encode(), VALUES),
)


@pytest.fixture
def served(tmp_path):
    """An instance server in a thread of this process (its engine inspectable)."""
    engine = SqlServerEngine(tmp_path / "state", [tmp_path])
    engine.define_instance("default", tmp_path / "system")
    engine.create_database("default", "DB1", [tmp_path / "vol1"], tmp_path / "vol1")
    server = InstanceServer(engine, tmp_path / "sql.sock")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.stop()
    thread.join()
    server.server_close()


@settings(max_examples=examples(300), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=REQUESTS)
def test_no_request_breaks_the_parser_or_the_server(served, line):
    try:
        parse_request(line)
    except BadRequest:
        pass
    reply = served.answer(line, owner=object())
    assert isinstance(reply["ok"], bool) and (reply["ok"] or reply["error"])
    assert served.engine.frozen() == ()  # nothing a stranger sent holds a freeze
    assert [d.name for d in served.engine.databases("default")][-1] == "DB1"


def test_a_bad_line_gets_an_error_and_the_connection_goes_on(served):
    client = SqlServerClient(served.socket_path)
    client._next_id = 0
    with pytest.raises(ApplicationError) as bad:
        client.call("freeze", instance="default", databases=["DB1"], timeout=-1.0,
                    metadata_dir=None, backup_id="1")
    assert bad.value.reason == "bad-request"
    with pytest.raises(ApplicationError, match="outside"):
        client.log_backup("default", "DB1", Path("/"))
    assert client.ping() and isinstance(client, ApplicationPort)
    client.close()


def test_an_overlong_request_is_refused(served):
    client = SqlServerClient(served.socket_path)
    with pytest.raises(ApplicationError) as long:
        client.call("ping", pad="x" * MAX_LINE)
    assert long.value.reason in ("bad-request", "not-running")
    assert client.ping()  # a new connection is served
    client.close()


CLIENT = """
import sys
from pathlib import Path
from adapters.sqlserver.client import SqlServerClient
client = SqlServerClient(Path(sys.argv[1]))
freeze, _ = client.freeze("default", ["DB1"], 3600, None, "0000000001")
print(freeze.token, flush=True)
sys.stdin.read()
"""


def test_a_client_killed_while_holding_a_freeze_releases_it(served):
    child = subprocess.Popen([sys.executable, "-c", CLIENT, str(served.socket_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        token = child.stdout.readline().decode().strip()
        assert [f.token for f in served.engine.frozen()] == [token]
        os.kill(child.pid, signal.SIGKILL)
        assert wait_released(served.engine, token)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
        child.stdin.close()
    assert served.engine.write_rows("default", "DB1", 1) == (1, 1)  # writers go on


def test_the_instance_process_serves_a_backup_cycle_and_stops(tmp_path):
    socket = tmp_path / "mssql" / "instance.sock"
    assert start_server(tmp_path / "mssql" / "state", socket, [tmp_path]) is not None
    client = SqlServerClient(socket)
    try:
        assert start_server(tmp_path / "mssql" / "state", socket, [tmp_path]) is None
        client.define_instance("default", tmp_path / "system")
        client.create_database("default", "DB1", [tmp_path / "vol1"], tmp_path / "vol1")
        client.write_rows("default", "DB1", 10)
        freeze, (meta,) = client.freeze("default", ["DB1"], 60, None, "0000000001")
        assert meta.path.endswith("META_0000000005.dmp")
        client.thaw(freeze)
        log = client.log_backup("default", "DB1", tmp_path / "logs")
        assert (log.first_lsn, log.last_lsn) == (2, 2)
        client.close()  # a freeze of a connection that went away is no longer vouched for
        freeze, _ = client.freeze("default", ["DB1"], 60, None, "0000000002")
        other = SqlServerClient(socket)
        client.close()
        while other.frozen():  # the instance notices the closed connection
            pass
        with pytest.raises(ApplicationError, match="already released"):
            other.thaw(freeze)
        assert other.count_rows("default", "db1")["rows"] == 10
        other.close()
    finally:
        assert stop_server(socket)
    assert not server_running(socket)
    with pytest.raises(ApplicationError) as down:
        SqlServerClient(socket).status("default")
    assert down.value.reason == "not-running"
