"""A fresh vhost on the real broker with the users ``drm lab credentials`` would define.

The definitions are loaded through the management HTTP API when it answers (port 15672), else
with ``rabbitmqctl import_definitions`` (the broker runs on this machine); without either the
test is skipped (or fails under ``DRM_REQUIRE_SERVICES=1``). ``cleanup`` deletes the vhost
and the users.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from urllib.parse import quote, unquote, urlparse

from adapters.messaging.connection import open_connection
from adapters.messaging.definitions import Principals, broker_definitions, new_secrets
from adapters.messaging.identities import agent_user, cli_user, report_user
from adapters.messaging.topology import Topology
from tests.services import answers, unavailable

MANAGEMENT_PORT = 15672


class BrokerIdentities:
    def __init__(self, amqp_url: str, hosts: tuple[str, ...], clis: tuple[str, ...] = ("cli",),
                 reporters: tuple[str, ...] = ("report",)) -> None:
        tag = uuid.uuid4().hex[:8]
        self.amqp_url, self.vhost = amqp_url, f"t-{tag}"
        # user names are global on a broker: tests name their hosts uniquely
        self.principals = Principals(hosts, tuple(f"{c}-{tag}" for c in clis),
                                     tuple(f"{r}-{tag}" for r in reporters))
        self.namespace = f"t{tag}"
        self.topology = Topology(self.namespace, managed=True)
        self.passwords = new_secrets(self.principals.users())
        self.definitions = broker_definitions(self.namespace, self.vhost, self.principals,
                                              self.passwords)
        self.admin_definitions = self._with_admin(self.definitions)

    @classmethod
    def written(cls, amqp_url: str, directory, principals: Principals, namespace: str,
                vhost: str) -> "BrokerIdentities":
        """The users ``drm lab credentials`` wrote under ``directory`` (definitions.json and
        secrets/), for ``principals`` in ``vhost``."""
        self = cls.__new__(cls)
        self.amqp_url, self.vhost, self.namespace = amqp_url, vhost, namespace
        self.principals, self.topology = principals, Topology(namespace, managed=True)
        self.definitions = json.loads((directory / "definitions.json").read_text())
        self.passwords = {user: json.loads((directory / "secrets" / f"{user}.json")
                                           .read_text())["password"]
                          for user in principals.users()}
        self.admin_definitions = self._with_admin(self.definitions)
        return self

    def _with_admin(self, definitions: dict) -> dict:
        return dict(definitions, permissions=[
            *definitions["permissions"], {"user": self._admin()[0], "vhost": self.vhost,
                                          "configure": ".*", "write": ".*", "read": ".*"}])

    # --- users -------------------------------------------------------------------------------
    def agent(self, host: str) -> str:
        return self.url(agent_user(host))

    def cli(self, index: int = 0) -> str:
        return self.url(cli_user(self.principals.clis[index]))

    def reporter(self, index: int = 0) -> str:
        return self.url(report_user(self.principals.reporters[index]))

    def url(self, user: str | None = None) -> str:
        """The broker URL into this vhost as ``user`` (the administrator when None)."""
        parsed = urlparse(self.amqp_url)
        name, password = (self._admin() if user is None else (user, self.passwords[user]))
        location = parsed.netloc.split("@")[-1]
        return (f"{parsed.scheme}://{quote(name, safe='')}:{quote(password, safe='')}@"
                f"{location}/{quote(self.vhost, safe='')}")

    def _admin(self) -> tuple[str, str]:
        parsed = urlparse(self.amqp_url)
        return unquote(parsed.username or "guest"), unquote(parsed.password or "guest")

    # --- loading and cleaning up -------------------------------------------------------------
    def load(self) -> "BrokerIdentities":
        if self._management_answers():
            self._http("POST", "/api/definitions", self.admin_definitions)
        elif shutil.which("rabbitmqctl"):
            with tempfile.NamedTemporaryFile("w", suffix=".json") as document:
                json.dump(self.admin_definitions, document)
                document.flush()
                os.chmod(document.name, 0o644)  # rabbitmqctl may read it as the broker's user
                self._ctl("import_definitions", document.name)
        else:
            unavailable("cannot load RabbitMQ definitions: no management API on port "
                        f"{MANAGEMENT_PORT} and no rabbitmqctl on this machine")
        self._wait_until_loaded()
        return self

    def _wait_until_loaded(self, seconds: float = 60.0) -> None:
        """The import may finish after the call returns: wait until every user logs in."""
        deadline = time.monotonic() + seconds
        for user in self.principals.users():
            while True:
                try:
                    with open_connection(self.url(user)) as connection:
                        connection.connect()
                    break
                except Exception:  # noqa: BLE001 - not there yet
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)

    def cleanup(self) -> None:
        users = self.principals.users()
        if self._management_answers():
            self._http("DELETE", f"/api/vhosts/{quote(self.vhost, safe='')}")
            for user in users:
                self._http("DELETE", f"/api/users/{quote(user, safe='')}")
        elif shutil.which("rabbitmqctl"):
            self._ctl("delete_vhost", self.vhost)
            for user in users:
                self._ctl("delete_user", user)

    def _management_answers(self) -> bool:
        host = urlparse(self.amqp_url).hostname or "127.0.0.1"
        return answers(f"http://{host}:{MANAGEMENT_PORT}", MANAGEMENT_PORT)

    def _http(self, method: str, path: str, document: dict | None = None) -> None:
        host = urlparse(self.amqp_url).hostname or "127.0.0.1"
        request = urllib.request.Request(
            f"http://{host}:{MANAGEMENT_PORT}{path}", method=method,
            data=None if document is None else json.dumps(document).encode())
        token = base64.b64encode(":".join(self._admin()).encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30):
            pass

    @staticmethod
    def _ctl(*args: str) -> None:
        subprocess.run(["rabbitmqctl", "-q", *args], text=True, check=True,
                       capture_output=True, timeout=120)
