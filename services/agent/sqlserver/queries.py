"""Query handlers of the SQL Server commands (``events.sql_commands``): answers from the view
(and, for ``-remote``, the lab's LDEV addresses); no events, any instance or database state.

Result shapes are documented on ``DisplaySqlServer`` and ``ListSqlCatalog``.
"""
from __future__ import annotations

from events.sql_commands import DisplaySqlServer, ListSqlCatalog
from projections.host_view import CatalogEntry, HostView
from projections.sql_view import SqlBackup
from services.agent.service import AgentContext


def _groups_by_name(view: HostView) -> dict:
    return {g.copy_group: g for v in view.volumes.values() for g in v.copy_groups}


def _address(lab, volume: str) -> dict:
    """PORT#, TID#, LUN#, LDEV#, SERIAL# of ``serial:ldev`` as the lab defines it."""
    serial, _, ldev = volume.partition(":")
    found = lab.ldev(serial, int(ldev)) if lab is not None and ldev.isdigit() else None
    return {"serial": serial, "ldev": int(ldev) if ldev.isdigit() else ldev,
            "port": getattr(found, "port", "") or "", "target": getattr(found, "target", None),
            "lun": getattr(found, "lu", None)}


def _group_dict(group, lab) -> dict:
    return {"copy_group": group.copy_group, "copy_func": group.copy_func,
            "copy_type": group.copy_type, "generation": group.generation, "mu": group.mu,
            "pvol": _address(lab, group.pvol), "svol": _address(lab, group.svol)}


def display_sql_server(command: DisplaySqlServer, context: AgentContext) -> dict:
    view, lab = context.view, context.ports.lab
    groups = _groups_by_name(view)
    instances = [i for key, i in view.sql.instances.items()
                 if command.instance is None or key == command.instance.lower()]
    return {"refreshed": bool(view.sql.instances), "instances": [{
        "instance": i.instance, "status": i.status, "databases": [{
            "name": d.name, "database_id": d.database_id, "system": d.system,
            "recovery_model": d.recovery_model, "state": d.state, "files": [{
                "path": f.path, "kind": f.kind, "mount_point": f.mount_point,
                "device": f.device,
                "copy_groups": [_group_dict(groups[name], lab) for name in f.copy_groups
                                if name in groups]} for f in d.files]}
            for d in i.databases]} for i in instances]}


def catalog_rows(details: SqlBackup, devices: dict) -> list[dict]:
    """``M`` (metafile), then ``D``/``T`` rows per database, the manual's drmsqlcat order."""
    rows = []
    for database in details.databases:
        metafile = details.metafile_of(database.name)
        if metafile is not None:
            rows.append({"kind": "M", "database": database.name, "object": "METAFILE",
                         "file": metafile.path, "file_system": "-", "disk_group": "-",
                         "device": "-", "copy_groups": []})
        for file in database.files:
            rows.append({"kind": "T" if file.kind == "log" else "D", "database": database.name,
                         "object": "TRANSACT" if file.kind == "log" else "DATAFILE",
                         "file": file.path, "file_system": file.mount_point or "-",
                         "disk_group": "-", "device": devices.get(file.mount_point, "-"),
                         "copy_groups": list(file.copy_groups)})
    return rows


def entry_dict(details: SqlBackup, entry: CatalogEntry | None, host: str, devices) -> dict:
    when = details.recorded_at.isoformat() if details.recorded_at else None
    return {
        "backup_id": entry.backup_id if entry else details.backup_id,
        "original_id": entry.original_id if entry else details.backup_id,
        "origin_host": entry.origin_host if entry else host,
        "mode": entry.mode if entry else "ONLINE",
        "started_at": entry.started_at.isoformat() if entry else when,
        "ended_at": entry.ended_at.isoformat() if entry else when,
        "generation": entry.generation if entry else "",
        "copy_groups": list(entry.copy_groups) if entry else sorted(
            {g for d in details.databases for f in d.files for g in f.copy_groups}),
        "comment": details.comment, "template": details.template,
        "metadata_dir": details.metadata_dir, "system": details.system,
        "rows": catalog_rows(details, devices)}


def list_sql_catalog(command: ListSqlCatalog, context: AgentContext) -> dict:
    """Live SQL entries of the instance (imported ones of this host's own data too, with the
    details of their original), or its templates; oldest first."""
    view, key = context.view, command.instance.lower()
    devices = {v.mount_point: v.device for v in view.volumes.values()}
    if command.template:
        pairs = [(d, None) for d in view.sql.entries_of(command.instance, template=True)]
    else:
        pairs = [(view.sql.for_entry(e, context.host), e) for e in view.catalog.values()]
    found = [entry_dict(details, entry, context.host, devices)
             for details, entry in sorted((p for p in pairs if p[0] is not None
                                           and p[0].instance.lower() == key),
                                          key=lambda p: (p[1] or p[0]).backup_id)]
    return {"instance": command.instance, "entries": found}


SQL_QUERY_HANDLERS = (
    (DisplaySqlServer, display_sql_server),
    (ListSqlCatalog, list_sql_catalog),
)
