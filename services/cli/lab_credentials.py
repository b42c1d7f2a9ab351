"""``drm lab credentials DIR``: broker users for the loaded lab (ADR 0006).

Writes ``DIR/definitions.json`` (users with password hashes, permissions, topic permissions and
the topology, for ``rabbitmqctl import_definitions`` or the management API) and
``DIR/secrets/<user>.json`` (mode 0600), one per user: ``drm-agent-<host>`` for every lab host,
``drm-cli-<name>`` for every CLI machine (default: every lab host), ``drm-report-<name>`` for
every reporting consumer (default: ``report``). A component reads its own file through
``DRM_BROKER_SECRET_FILE``.

A cluster's virtual server (a lab host with ``nodes``) is one identity whatever node serves it:
for each of its nodes a bundle ``DIR/nodes/<node>/`` holds the virtual server's agent secret
(``secrets/drm-agent-<server>.json``) and its signing key (``keys/<server>/<key id>.pem``,
created and registered here when the server has none), both mode 0600; on the node,
``DRM_BROKER_SECRET_FILE`` and ``DRM_KEY_DIR`` point into it.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from adapters.lab.provision import stored_lab
import json
import os

from adapters.messaging.definitions import (Principals, broker_definitions, new_secrets,
                                            secret_document, write_credentials, write_private)
from adapters.messaging.identities import agent_user
from services import messages
from services.cli.errors import CliError
from services.settings import load_settings
from services.trust import key_store


def register(commands) -> None:
    parser = commands.add_parser(
        "credentials", help="write RabbitMQ users, permissions and secret files for the lab")
    parser.add_argument("directory", help="where definitions.json and secrets/ are written")
    parser.add_argument("--vhost", default="/", help="the RabbitMQ virtual host (default /)")
    parser.add_argument("--cli", action="append", metavar="NAME",
                        help="a machine the CLI runs on (repeatable; default: every lab host)")
    parser.add_argument("--reporter", action="append", metavar="NAME",
                        help="a reporting consumer (repeatable; default: report)")
    parser.add_argument("--force", action="store_true",
                        help="replace existing credentials (every secret changes)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    lab = stored_lab(settings.data_dir)
    if lab is None:
        raise CliError(messages.NO_LAB_LOADED,
                       messages.text(messages.NO_LAB_LOADED, data_dir=settings.data_dir))
    hosts = tuple(host.name for host in lab.hosts)
    principals = Principals(hosts, tuple(args.cli or hosts), tuple(args.reporter or ("report",)))
    directory = Path(args.directory)
    if (directory / "definitions.json").exists() and not args.force:
        raise CliError(messages.CREDENTIALS_EXIST,
                       messages.text(messages.CREDENTIALS_EXIST, directory=directory))
    passwords = new_secrets(principals.users())
    definitions = broker_definitions(settings.namespace, args.vhost, principals, passwords)
    try:
        write_credentials(directory, definitions, passwords)
        bundles = [line for server in lab.hosts if server.nodes
                   for line in _node_bundles(settings, directory, server, passwords)]
    except OSError as error:
        raise CliError(messages.CREDENTIALS_UNWRITABLE, messages.text(
            messages.CREDENTIALS_UNWRITABLE, directory=directory, problem=error)) from None
    print(messages.line(messages.CREDENTIALS_WRITTEN, lab=lab.name, directory=directory,
                        users=len(passwords), agents=len(principals.hosts),
                        clis=len(principals.clis), reporters=len(principals.reporters),
                        vhost=args.vhost))
    for line in bundles:
        print(line)
    return 0


def _node_bundles(settings, directory: Path, server, passwords: dict[str, str]) -> list[str]:
    """Write the bundle of every node of virtual server ``server``; return the lines to print."""
    keys = key_store(settings)
    keys.signer(server.name)  # created and registered when the server has no key yet
    key_file = keys.key_file(server.name)
    if key_file is None:
        raise OSError(f"the signing key of {server.name} is registered but its key file is "
                      f"not in {settings.keys_dir}")
    user = agent_user(server.name)
    lines = []
    for node in server.nodes:
        bundle = directory / "nodes" / node
        secret = bundle / "secrets" / f"{user}.json"
        key = bundle / "keys" / server.name / key_file.name
        for folder in (bundle, secret.parent, key.parent.parent, key.parent):
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
        write_private(secret, json.dumps(secret_document(user, passwords[user])) + "\n")
        write_private(key, key_file.read_text(encoding="ascii"))
        lines.append(messages.line(messages.NODE_BUNDLE_WRITTEN, node=node, server=server.name,
                                   key_id=key_file.stem, directory=bundle, secret=secret,
                                   keys=key.parent.parent))
    return lines
