"""Demo helper (``make demo-pg``): create, start, stop or query a lab's PostgreSQL cluster, the
way an administrator would with ``initdb``/``pg_ctl``/``psql`` as the ``postgres`` user.

    python -m infra.pg_lab_server <data-dir> <host> <cluster> initdb|start|stop|sql <text>

It drives the same adapter the agent uses (``adapters.postgres``), so the cluster lives on the
lab's P-VOL mount points, listens only on its private socket, and runs as ``postgres``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import psycopg

from adapters.lab.postgres import cluster_specs
from adapters.lab.provision import mount_path, stored_lab
from adapters.postgres.application import PostgresApplication


def main(argv: list[str]) -> int:
    data_dir, host, cluster, action, *rest = argv
    lab = stored_lab(Path(data_dir))
    specs = [s for s in cluster_specs(lab, Path(data_dir), host, mount_path) if s.name == cluster]
    if not specs:
        print(f"no cluster {cluster} of {host} in the lab", file=sys.stderr)
        return 2
    app = PostgresApplication(specs)
    if action == "initdb":
        app.initdb(cluster)
    elif action in ("start", "stop"):
        getattr(app, action)(cluster)
    elif action == "sql":
        with psycopg.connect(specs[0].conninfo(), autocommit=True) as connection:
            cursor = connection.execute(" ".join(rest))
            for row in cursor.fetchall() if cursor.description else ():
                print(" | ".join(str(v) for v in row))
    else:
        print(f"unknown action {action}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
