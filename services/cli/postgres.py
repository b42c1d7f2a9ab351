"""``drmpginit`` … ``drmpgrecover`` (``drm pg <operation>``): protect a PostgreSQL cluster.

Each entry builds its typed command of ``events.pg_commands`` (bad input stops here, a usage
error naming the option) and the one ``perform`` path sends it to the host's agent.
"""
from __future__ import annotations


from events.pg_commands import (BackupPgCluster, BackupPgLogs, ConfigurePgCluster,
                                DisplayPgCluster, ListPgCatalog, ListPgLogBackups,
                                RecoverPgCluster, RestorePgCluster)
from services.cli import catalog_layouts as layout
from services.cli import pg_layouts
from services.cli.entries import AgentEntry, Shown, arg, flag, opt, usage_error
from services.cli.filesystem_args import build, check_backup_id
from services.cli.perform import query_data

CLUSTER_HELP = "the PostgreSQL cluster's name (as drm pg init set it up)"


def _completed(args, outcomes, agent) -> Shown:
    return Shown([], outcomes[0].to_wire())


INIT = AgentEntry(
    name="pginit", manual="drmpginit", summary="set up a PostgreSQL cluster for protection",
    description="register a cluster: the agent asks the server for its data, WAL and "
                "tablespace\ndirectories and refuses one not all on protected volumes, naming "
                "what is not covered.",
    commands=(ConfigurePgCluster,), show=_completed,
    request=lambda a: build(ConfigurePgCluster, cluster=a.cluster, log_backup_dir=a.log_dir,
                            metadata_dir=a.label_dir),
    options=(arg("cluster", help=CLUSTER_HELP),
             opt("log_dir", default=None, help="the log backup directory (WAL backups; default: "
                                                "the application's own log-backup area)"),
             opt("label_dir", default=None, help="where backup labels are kept (default: the "
                                                 "cluster's run directory's labels)")))


def _backup_shown(args, outcomes, agent) -> Shown:
    result = outcomes[0].payload["result"]
    return Shown([layout.backup_assigned(result["backup_id"])], outcomes[0].to_wire())


BACKUP = AgentEntry(
    name="pgbackup", manual="drmpgbackup", summary="back up a PostgreSQL cluster P-VOL -> S-VOL",
    description="online (default): pg_backup_start, split every copy group of the cluster, "
                "pg_backup_stop;\ncold: clean shutdown, split, start. Prints the new backup ID "
                "(KAVX0040-I).",
    commands=(BackupPgCluster,), show=_backup_shown,
    request=lambda a: build(BackupPgCluster, cluster=a.cluster, mode=a.mode,
                            generation=a.rc, comment=a.comment, fast=not a.spread),
    options=(arg("cluster", help=CLUSTER_HELP),
             opt("mode", choices=("online", "cold"), default="online",
                 help="online (default) or cold"),
             opt("rc", default=None, metavar="GENERATION",
                 help="back up to this generation (local_N or remote_N)"),
             opt("comment", default="", help="backup comment, kept in the catalog"),
             flag("spread", "a spread checkpoint at the start instead of a fast one")))


def _cat_request(args):
    """``-l`` alone: every listed entry's chain; ``-l <backup-ID>``: that entry's."""
    backup_id = check_backup_id(args.backup_id_l or args.backup_id)
    if args.backup_id_l and args.backup_id and args.backup_id_l != args.backup_id:
        raise usage_error("-l and -backup_id name different backups")
    return build(ListPgCatalog, cluster=args.cluster, backup_id=backup_id,
                 chain=args.backup_id_l is not None)


def _cat_shown(args, outcomes, agent) -> Shown:
    [reply] = outcomes
    entries = reply.result["entries"]
    if not entries:
        from services.cli.catalog import no_backup_data
        raise no_backup_data()
    return Shown(pg_layouts.catalog_lines(entries), query_data(reply))


CAT = AgentEntry(
    name="pgcat", manual="drmpgcat", summary="list PostgreSQL backups; -l proves restore points",
    description="list the PostgreSQL catalog entries. -l <backup-ID> (or -l with -backup_id) "
                "adds the WAL range\nthe backup needs, whether the log backups hold it, and how "
                "far recovery to latest gets\n(a gap or a diverged timeline is shown here, "
                "before any restore).",
    commands=(ListPgCatalog,), request=_cat_request, show=_cat_shown,
    options=(arg("cluster", nargs="?", default=None, help=CLUSTER_HELP),
             opt("backup_id", help="only this entry"),
             opt("l", dest="backup_id_l", metavar="BACKUP_ID", nargs="?", const="",
                 default=None, help="the WAL chain of this backup (or of every entry listed)")),
    framed=False)


def _log_request(args):
    if args.v is None:
        return build(BackupPgLogs, cluster=args.cluster)
    return build(ListPgLogBackups, cluster=args.cluster, backup_id=check_backup_id(args.v or None))


def _log_shown(args, outcomes, agent) -> Shown:
    [reply] = outcomes
    if args.v is None:
        return Shown([], reply.to_wire())
    return Shown(pg_layouts.log_list_lines(reply.result["chains"]), query_data(reply))


LOGBACKUP = AgentEntry(
    name="pglogbackup", manual="drmpglogbackup", summary="back up PostgreSQL WAL; -v lists it",
    description="record every completed WAL file in the log backup directory (one event "
                "each);\n-v [backup-ID] lists them under the full backup they belong to, in "
                "drmsqllogbackup -v's format.",
    commands=(BackupPgLogs, ListPgLogBackups), request=_log_request, show=_log_shown,
    options=(arg("cluster", help=CLUSTER_HELP),
             opt("v", nargs="?", const="", default=None, metavar="BACKUP_ID",
                 help="list the log backups (of this full backup only)")))


def _restore_request(args):
    if not args.resync:
        raise usage_error("drmpgrestore restores by reverse resync only: give -resync")
    return build(RestorePgCluster, backup_id=check_backup_id(args.backup_id), force=args.force)


RESTORE = AgentEntry(
    name="pgrestore", manual="drmpgrestore", summary="restore a PostgreSQL backup S-VOL -> P-VOL",
    description="stop the server, reverse resync the backup's copy groups, lay the label down "
                "with a\nrecovery configuration reading the log backups; the server stays "
                "stopped until drmpgrecover.\nRefused when the WAL the backup needs is not all "
                "backed up (see drmpgcat -l).",
    commands=(RestorePgCluster,), request=_restore_request, show=_completed,
    options=(arg("backup_id", help="the backup ID to restore (10 digits)"),
             flag("resync", "restore by reverse resync S-VOL -> P-VOL (required)"),
             flag("force", "restore even when the WAL chain check fails")))


def _recover_request(args):
    chosen = [(k, v) for k, v in (("time", args.time), ("lsn", args.lsn), ("name", args.name))
              if v is not None]
    if len(chosen) > 1 or (chosen and args.target not in (None, "latest")):
        raise usage_error("give one of -target, -time, -lsn and -name")
    target, value = chosen[0] if chosen else (args.target or "latest", "")
    return build(RecoverPgCluster, cluster=args.cluster, target=target, target_value=value)


def _recover_shown(args, outcomes, agent) -> Shown:
    r = outcomes[0].payload["result"]
    return Shown([f"Recovery ended: timeline {r['timeline']}, LSN {r['lsn']}"
                  + (f", last transaction {r['reached_at']}" if r.get("reached_at") else "")],
                 outcomes[0].to_wire())


RECOVER = AgentEntry(
    name="pgrecover", manual="drmpgrecover", summary="recover a restored PostgreSQL cluster",
    description="start the restored server and replay WAL from the log backups to the target; "
                "records the\ntimeline and LSN reached.",
    commands=(RecoverPgCluster,), request=_recover_request, show=_recover_shown,
    options=(arg("cluster", help=CLUSTER_HELP),
             opt("target", choices=("latest", "immediate"), default=None,
                 help="latest (default): all WAL; immediate: the end of the backup"),
             opt("time", help="recover to this time (YYYY-MM-DD hh:mm:ss[+zz])"),
             opt("lsn", help="recover to this LSN (H/L)"),
             opt("name", help="recover to this named restore point")))


def _display_shown(args, outcomes, agent) -> Shown:
    [reply] = outcomes
    return Shown(pg_layouts.display_lines(reply.result["clusters"]), query_data(reply))


DISPLAY = AgentEntry(
    name="pgdisplay", manual="drmpgdisplay", summary="show PostgreSQL clusters and generations",
    description="show each cluster's files, their copy groups and how usable each "
                "generation's copy is\n(application-, cold- or crash-consistent, unusable).",
    commands=(DisplayPgCluster,), show=_display_shown,
    request=lambda a: build(DisplayPgCluster, cluster=a.cluster),
    options=(arg("cluster", nargs="?", default=None, help=CLUSTER_HELP),
             flag("cf", "show COPY-FUNC and GEN-NAME (always shown)")),
    framed=False)
