"""``drm lab credentials DIR``: broker users for the loaded lab (ADR 0006).

Writes ``DIR/definitions.json`` (users with password hashes, permissions, topic permissions and
the topology, for ``rabbitmqctl import_definitions`` or the management API) and
``DIR/secrets/<user>.json`` (mode 0600), one per user: ``drm-agent-<host>`` for every lab host,
``drm-cli-<name>`` for every CLI machine (default: every lab host), ``drm-report-<name>`` for
every reporting consumer (default: ``report``). A component reads its own file through
``DRM_BROKER_SECRET_FILE``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from adapters.messaging.definitions import (Principals, broker_definitions, new_secrets,
                                            write_credentials)
from services.cli.errors import CliError
from services.settings import load_settings

MSG_CREDENTIALS_WRITTEN = "KAVX5105-I"
MSG_CREDENTIALS_EXIST = "KAVX5106-E"
MSG_CREDENTIALS_UNWRITABLE = "KAVX5107-E"


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
    from services.cli.lab import require_lab

    settings = load_settings()
    lab = require_lab(settings.data_dir)
    hosts = tuple(host.name for host in lab.hosts)
    principals = Principals(hosts, tuple(args.cli or hosts), tuple(args.reporter or ("report",)))
    directory = Path(args.directory)
    if (directory / "definitions.json").exists() and not args.force:
        raise CliError(MSG_CREDENTIALS_EXIST, f"Credentials already exist in {directory}. "
                                              f"Use --force to replace them.")
    passwords = new_secrets(principals.users())
    definitions = broker_definitions(settings.namespace, args.vhost, principals, passwords)
    try:
        write_credentials(directory, definitions, passwords)
    except OSError as error:
        raise CliError(MSG_CREDENTIALS_UNWRITABLE,
                       f"The credentials could not be written to {directory}: {error}") from None
    print(f"{MSG_CREDENTIALS_WRITTEN} Broker credentials for lab {lab.name} were written to "
          f"{directory}: {len(passwords)} users ({len(principals.hosts)} agents, "
          f"{len(principals.clis)} CLI, {len(principals.reporters)} reporting) in vhost "
          f"{args.vhost}. Load definitions.json into RabbitMQ; give each component its file "
          f"in secrets/ as DRM_BROKER_SECRET_FILE.")
    return 0
