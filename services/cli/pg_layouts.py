"""The PostgreSQL commands' human layouts (``drmpgcat``, ``drmpgdisplay``, ``drmpglogbackup
-v``), pure: result dicts in, lines out. Columns follow ``drmsqlcat``/``drmsqldisplay``."""
from __future__ import annotations

from services.cli.output import table as table_lines


def catalog_lines(entries: list[dict]) -> list[str]:
    rows = [[e["backup_id"], e["cluster"], e["mode"], e["generation"], e["timeline"],
             e["start_lsn"], e["stop_lsn"], e["consistency"], e["ended_at"]] for e in entries]
    lines = table_lines(["BACKUP-ID", "CLUSTER", "MODE", "GEN-NAME", "TLI", "START-LSN",
                         "STOP-LSN", "CONSISTENCY", "END-TIME"], rows)
    for entry in entries:
        if entry.get("chain"):
            lines += chain_lines(entry["backup_id"], entry["chain"])
    return lines


def chain_lines(backup_id: str, chain: dict) -> list[str]:
    """``drm pg cat -l``: the restore-point proof of one backup."""
    state = "complete" if chain["complete"] else "INCOMPLETE"
    lines = [f"BACKUP-ID: {backup_id}  WAL NEEDED: {chain['needed_from']} .. "
             f"{chain['needed_to']} (timeline {chain['timeline']}): {state}"]
    if chain["missing"]:
        lines.append(f"  MISSING: {', '.join(chain['missing'][:10])}"
                     + (" ..." if len(chain["missing"]) > 10 else ""))
    path = " -> ".join(map(str, chain["timelines"]))
    lines.append(f"  LATEST REACHABLE: {chain['latest'] or '-'} (timeline "
                 f"{chain['latest_timeline']}; timelines {path})")
    if chain["gap"]:
        lines.append(f"  GAP: {chain['gap']} is missing; recovery to latest stops before it")
    if chain["diverged"]:
        lines.append(f"  DIVERGED: {chain['diverged']}")
    return lines


def display_lines(clusters: list[dict]) -> list[str]:
    lines: list[str] = []
    for cluster in clusters:
        lines.append(f"CLUSTER: {cluster['cluster']}  LOG-BACKUP-DIR: "
                     f"{cluster['log_backup_dir']}  LABEL-DIR: {cluster['metadata_dir']}")
        rows = []
        for f in cluster["files"]:
            for i, g in enumerate(f["copy_groups"] or [{}]):
                head = [f["kind"].upper(), f["path"], f["mount_point"], f["device"]] if i == 0 \
                    else ["-", "-", "-", "-"]
                rows.append(head + [g.get("copy_group", "-"), g.get("copy_func", "-"),
                                    g.get("generation", "-"), g.get("consistency", "-"),
                                    g.get("backup_id") or "-"])
        lines += table_lines(["T", "FILE", "FS", "DEVICE", "COPY-GROUP", "COPY-FUNC",
                              "GEN-NAME", "CONSISTENCY", "BACKUP-ID"], rows)
    return lines


def log_list_lines(chains: list[dict]) -> list[str]:
    """``drmsqllogbackup -v``'s list-file format: a header per full backup, then the files."""
    lines: list[str] = []
    for chain in chains:
        lines += [f"# ORIGINAL-ID:{chain['original_id'] or '-'}",
                  f"BACKUP-ID:{chain['backup_id'] or '-'}", f"[{chain['cluster']}]"]
        lines += [f["path"] for f in chain["files"]]
    return lines
