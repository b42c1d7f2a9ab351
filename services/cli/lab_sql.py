"""``drm lab sql …``: the simulated SQL Server of the lab's database servers.

- ``start|stop|status [--host H]``: the instance process of a host (default: every lab host
  with SQL Server instances);
- ``databases [--host H] [--instance I]``: the databases with ID, recovery model, state, files;
- ``create-db NAME --data DIR [--data DIR …] --log DIR [--recovery-model M]``;
- ``write DB --rows N [--batch K]``: commit numbered rows, K per transaction (waits while the
  database is frozen for a backup); prints the row and LSN ranges;
- ``count DB``: ``<DB>: rows=<n> max_row=<m> missing=<k> lsn=<l>`` (a test can say exactly
  which rows must be there after a restore and recovery);
- ``damage DB [--how lose|corrupt]``: lose or corrupt the data file (UNCONFIRMED after).

Workload commands start the host's instance process when it is not running.
"""
from __future__ import annotations

import argparse

from adapters.lab.provision import mount_path
from services import messages
from services.agent.application_port import ApplicationError
from services.cli.errors import CliError
from services.settings import load_settings

MAX_ROWS = 10_000_000


def register(commands) -> None:
    sql = commands.add_parser("sql", help="the simulated SQL Server of the lab's database servers",
                              description=__doc__.split("\n\n", 1)[1],
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = sql.add_subparsers(dest="sql_command", metavar="<sql command>")
    for verb, text in (("start", "start the instance process (and create the lab's databases)"),
                       ("stop", "stop the instance process (freezes are released)"),
                       ("status", "say whether the instance process runs")):
        parser = verbs.add_parser(verb, help=text)
        parser.add_argument("--host", help="a lab host (default: every host with instances)")
        parser.set_defaults(func=run_process, verb=verb)
    listing = _workload(verbs, "databases", "list the databases of an instance", None)
    listing.set_defaults(func=run_databases)
    create = _workload(verbs, "create-db", "create a user database", "the database name")
    create.add_argument("--data", action="append", required=True, metavar="DIR",
                        help="a directory (mount point) for a data file; repeat to span volumes")
    create.add_argument("--log", required=True, metavar="DIR", help="the log file's directory")
    create.add_argument("--recovery-model", default="FULL",
                        choices=("FULL", "BULK_LOGGED", "SIMPLE"))
    create.set_defaults(func=run_create)
    write = _workload(verbs, "write", "commit numbered rows", "the database")
    write.add_argument("--rows", type=int, required=True, help="how many rows")
    write.add_argument("--batch", type=int, default=1, help="rows per transaction (default 1)")
    write.set_defaults(func=run_write)
    count = _workload(verbs, "count", "print the rows of a database", "the database")
    count.set_defaults(func=run_count)
    damage = _workload(verbs, "damage", "damage a database's data file", "the database")
    damage.add_argument("--how", choices=("lose", "corrupt"), default="lose")
    damage.set_defaults(func=run_damage)
    sql.set_defaults(func=lambda args: sql.print_help() or 1)


def _workload(verbs, name: str, text: str, database: str | None):
    parser = verbs.add_parser(name, help=text)
    if database:
        parser.add_argument("database", help=database)
    parser.add_argument("--host", help="the lab host (default: the only one with instances)")
    parser.add_argument("--instance", default="default", help="the instance (default: default)")
    return parser


def _context(host_name: str | None, every: bool = False):
    from adapters.lab.provision import stored_lab
    from adapters.sqlserver.lab import lab_host

    data_dir = load_settings().data_dir
    lab = stored_lab(data_dir)
    if lab is None:
        raise CliError(messages.NO_LAB_LOADED, messages.text(messages.NO_LAB_LOADED,
                                                             data_dir=data_dir))
    with_sql = [h for h in lab.hosts if h.sql_instances]
    if host_name:
        host = lab_host(lab, host_name)
        if host is None or not host.sql_instances:
            raise CliError(messages.SQL_LAB_NO_HOST, messages.text(
                messages.SQL_LAB_NO_HOST, problem=f"{host_name} runs no SQL Server in the lab"))
        return data_dir, lab, [host]
    if not with_sql or (len(with_sql) > 1 and not every):
        problem = "No lab host runs SQL Server" if not with_sql else \
            f"Several hosts run SQL Server ({', '.join(h.name for h in with_sql)})"
        raise CliError(messages.SQL_LAB_NO_HOST, messages.text(messages.SQL_LAB_NO_HOST,
                                                               problem=problem))
    return data_dir, lab, with_sql


def _refused(error: ApplicationError) -> CliError:
    return CliError(messages.SQL_LAB_REFUSED, messages.text(messages.SQL_LAB_REFUSED,
                                                            problem=error))


def run_process(args: argparse.Namespace) -> int:
    from adapters.sqlserver.lab import socket_path, start_host, stop_host
    from adapters.sqlserver.process import server_running

    data_dir, lab, hosts = _context(args.host, every=True)
    for host in hosts:
        try:
            if args.verb == "start":
                pid = start_host(data_dir, lab, host.name)
                how = "already running" if pid is None else f"started, process {pid}"
                print(messages.line(messages.SQL_LAB_RUNNING, host=host.name, how=how))
            elif args.verb == "stop":
                how = "was stopped" if stop_host(data_dir, host.name) else "was not running"
                print(messages.line(messages.SQL_LAB_STOPPED, host=host.name, how=how))
            elif server_running(socket_path(data_dir, host.name)):
                print(messages.line(messages.SQL_LAB_RUNNING, host=host.name,
                                    how=str(socket_path(data_dir, host.name))))
            else:
                print(messages.line(messages.SQL_LAB_STOPPED, host=host.name, how="is not running"))
        except ApplicationError as error:
            raise _refused(error) from None
    return 0


def _client(args):
    from adapters.sqlserver.lab import AutoStartClient

    data_dir, lab, (host,) = _context(args.host)
    return data_dir, host, AutoStartClient(data_dir, lab, host.name)


def _run(args, action) -> int:
    data_dir, host, client = _client(args)
    try:
        return action(data_dir, host, client) or 0
    except ApplicationError as error:
        raise _refused(error) from None
    finally:
        client.close()


def run_databases(args: argparse.Namespace) -> int:
    def action(data_dir, host, client):
        print(f"{'ID':>5} {'DATABASE':<24} {'MODEL':<12} {'STATE':<20} FILES")
        for db in client.databases(args.instance):
            files = ", ".join(f"{f.kind}:{f.path}" for f in db.files)
            print(f"{db.database_id:>5} {db.name:<24} {db.recovery_model:<12} {db.state:<20} {files}")
    return _run(args, action)


def run_create(args: argparse.Namespace) -> int:
    def action(data_dir, host, client):
        try:
            data = [mount_path(data_dir, d, host.mount_roots) for d in args.data]
            log = mount_path(data_dir, args.log, host.mount_roots)
        except ValueError as error:
            raise ApplicationError(str(error), reason="not-found") from None
        db = client.create_database(args.instance, args.database, data, log, args.recovery_model)
        print(f"{db.name}: database ID {db.database_id}, {db.recovery_model}, {db.state}")
    return _run(args, action)


def run_write(args: argparse.Namespace) -> int:
    if not 1 <= args.rows <= MAX_ROWS or not 1 <= args.batch <= 100_000:
        raise _refused(ApplicationError(f"--rows 1 to {MAX_ROWS}, --batch 1 to 100000"))

    def action(data_dir, host, client):
        left, first_row, first_lsn, last = args.rows, None, None, (0, 0)
        while left:
            count = min(left, args.batch)
            row, lsn = client.write_rows(args.instance, args.database, count)
            first_row, first_lsn = first_row or row, first_lsn or lsn
            last, left = (row + count - 1, lsn), left - count
        print(f"{args.database}: rows {first_row}-{last[0]} committed (LSN {first_lsn}-{last[1]})")
    return _run(args, action)


def run_count(args: argparse.Namespace) -> int:
    def action(data_dir, host, client):
        c = client.count_rows(args.instance, args.database)
        print(f"{args.database}: rows={c['rows']} max_row={c['max_row']} missing={c['missing']} "
              f"lsn={c['lsn']}")
    return _run(args, action)


def run_damage(args: argparse.Namespace) -> int:
    def action(data_dir, host, client):
        db = client.damage(args.instance, args.database, args.how)
        print(f"{db.name}: {db.state}")
    return _run(args, action)
