"""``drm lab init FILE|DIR``, ``drm lab init --example``, ``drm lab show``,
``drm lab credentials DIR`` (``services.cli.lab_credentials``).

The lab lives under ``DRM_DATA_DIR`` (``lab/lab.json``, ``arrays/``); see ``adapters.lab``.
"""
from __future__ import annotations

import argparse

from adapters.lab.example import populate_example, write_example
from adapters.sqlserver.lab import populate_instances
from adapters.lab.loader import LabError, load_lab
from adapters.lab.provision import LabExists, lab_dir, mount_path, open_storage, provision, stored_lab, volume
from adapters.storage.errors import CciError
from services import messages
from services.cli import lab_credentials, lab_sql
from services.cli.entries import LocalEntry
from services.cli.errors import CliError
from services.settings import load_settings

MSG_LAB_INVALID = messages.LAB_INVALID
MSG_LAB_EXISTS = messages.LAB_EXISTS
MSG_NO_LAB = messages.NO_LAB_LOADED
MSG_LAB_STORAGE = messages.LAB_STORAGE


def register(subparsers) -> None:
    lab = subparsers.add_parser("lab", help="define and inspect the simulated lab (hosts, arrays, copy groups)")
    commands = lab.add_subparsers(dest="lab_command", metavar="<lab command>")
    init = commands.add_parser("init", help="load a lab file (TOML, or a directory of horcm*.conf + hosts.toml)")
    source = init.add_mutually_exclusive_group(required=True)
    source.add_argument("path", nargs="?", help="lab TOML file or horcm directory")
    source.add_argument("--example", action="store_true", help="write and load the example lab")
    init.add_argument("--force", action="store_true", help="replace a lab that is already loaded")
    init.set_defaults(func=run_init)
    show = commands.add_parser("show", help="print the loaded lab")
    show.set_defaults(func=run_show)
    lab_credentials.register(commands)
    lab_sql.register(commands)  # slice sql-instance: drm lab sql
    lab.set_defaults(func=lambda args: lab.print_help() or 1)


def run_init(args: argparse.Namespace) -> int:
    settings = load_settings()
    data_dir = settings.data_dir
    if args.example:
        path, populate = write_example(data_dir / "lab-example.toml"), populate_example
    else:
        from pathlib import Path

        path, populate = Path(args.path), populate_instances  # SQL Server databases, if any
    try:
        lab = load_lab(path)
        provision(lab, data_dir, source=path, force=args.force, populate=populate)
    except LabError as error:
        raise CliError(MSG_LAB_INVALID, messages.text(MSG_LAB_INVALID) + "\n  " + "\n  ".join(error.problems)) from None
    except LabExists as error:
        raise CliError(MSG_LAB_EXISTS, messages.text(MSG_LAB_EXISTS, problem=error)) from None
    except CciError as error:
        raise CliError(MSG_LAB_STORAGE, messages.text(MSG_LAB_STORAGE, problem=error)) from None
    print(messages.line(messages.LAB_LOADED, lab=lab.name, data_dir=data_dir, hosts=len(lab.hosts),
                        arrays=len(lab.arrays), copy_groups=len(lab.copy_groups)))
    return 0


def require_lab(data_dir):
    lab = stored_lab(data_dir)
    if lab is None:
        raise CliError(MSG_NO_LAB, messages.text(MSG_NO_LAB, data_dir=data_dir))
    return lab


def run_show(args: argparse.Namespace) -> int:
    data_dir = load_settings().data_dir
    lab = require_lab(data_dir)
    storage = open_storage(data_dir)
    print(f"Lab {lab.name} ({lab_dir(data_dir)})")
    print("\nHosts:")
    for host in lab.hosts:
        print(f"  {host.name} ({host.role})")
        for mount in host.mounts:
            point = mount_path(data_dir, mount.path, host.mount_roots)
            state = "mounted" if point.is_symlink() else "not mounted"
            print(f"    {point} -> {mount.array}:{mount.ldev} [{state}]")
    print("\nArrays:")
    for array in lab.arrays:
        print(f"  {array.serial} ({array.model})")
        for ldev in array.ldevs:
            print(f"    LDEV {ldev.id:<6} {ldev.size:>12} bytes  {ldev.port or '-'}/{ldev.target}/{ldev.lu if ldev.lu is not None else ldev.id}")
    print("\nCopy groups:")
    print(f"  {'Group,Device':<16} {'Type':<4} {'MU#':<4} {'Generation':<10} {'P-VOL':<12} {'S-VOL':<12} Status")
    for cg in lab.copy_groups:
        record = storage.pairdisplay(volume(cg.pvol.array, cg.pvol.ldev), cg.mu)
        status = "SMPL" if record is None else f"{record.status.value} {record.percent}%"
        print(f"  {cg.name:<16} {cg.copy_type.value:<4} {cg.mu or '-':<4} {cg.generation_name:<10} "
              f"{cg.pvol.array + ':' + str(cg.pvol.ldev):<12} {cg.svol.array + ':' + str(cg.svol.ldev):<12} {status}")
    if lab.tape_library:
        tape = lab.tape_library
        print(f"\nTape library: {tape.name}, {tape.drives} drives, {tape.slots} slots, media {', '.join(tape.media) or '-'}")
    return 0


LAB = LocalEntry("lab", register)
