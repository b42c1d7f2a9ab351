"""Helpers for file-system agent tests: the example lab in a tmp data dir, commands, trees."""
from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

from adapters.lab.example import populate_example, write_example
from adapters.lab.loader import load_lab
from adapters.lab.provision import mount_path, provision, stored_lab
from events import CommandEnvelope
from events.catalogue import CATALOGUE
from services.settings import load_settings

FS_HOST = "FSServer"
FS_MOUNT = "hosts/FSServer/mnt/fs1"


def init_example_lab(data_dir: Path) -> None:
    """What ``drm lab init --example`` does."""
    lab = load_lab(write_example(data_dir / "lab-example.toml"))
    provision(lab, data_dir, populate=populate_example).wait_idle()


def settings_for(data_dir: Path, host: str = FS_HOST):
    return load_settings(environ={}, data_dir=data_dir, hostname=host)


def fs_root(data_dir: Path) -> Path:
    return mount_path(data_dir, FS_MOUNT)


def command(name: str, host: str = FS_HOST, **args) -> CommandEnvelope:
    return CommandEnvelope(command=CATALOGUE[name].model_validate({**args, "name": name}),
                           target_host=host, principal="tester@lab",
                           issued_at=datetime.now(timezone.utc))


def tree(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``root`` (directories as ``dir``)."""
    found = {}
    for base, dirs, files in os.walk(root, followlinks=True):
        for name in dirs:
            found[os.path.relpath(os.path.join(base, name), root)] = "dir"
        for name in files:
            path = Path(base) / name
            found[os.path.relpath(path, root)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def lab_of(data_dir: Path):
    return stored_lab(data_dir)
