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

from adapters.lab.provision import stored_lab
from adapters.messaging.definitions import (Principals, broker_definitions, new_secrets,
                                            write_credentials)
from services import messages
from services.cli.errors import CliError
from services.settings import load_settings


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
    except OSError as error:
        raise CliError(messages.CREDENTIALS_UNWRITABLE, messages.text(
            messages.CREDENTIALS_UNWRITABLE, directory=directory, problem=error)) from None
    print(messages.line(messages.CREDENTIALS_WRITTEN, lab=lab.name, directory=directory,
                        users=len(passwords), agents=len(principals.hosts),
                        clis=len(principals.clis), reporters=len(principals.reporters),
                        vhost=args.vhost))
    return 0
