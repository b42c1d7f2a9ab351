"""The single-host file-system story, driven through the console commands (``drmfsbackup`` …).

Shared by the embedded and the distributed end-to-end tests: the same command lines must give
the same results whether the agent runs in the CLI's process or in its own behind RabbitMQ.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from tests.e2e.conftest import Cli

BACKUP_ID = re.compile(r"^KAVX0040-I The backup ID has been assigned as follows: "
                       r"Backup ID = (\d{10})$", re.M)


def mount_point(cli: Cli) -> Path:
    return Path(cli.env["DRM_DATA_DIR"]) / "hosts" / "FSServer" / "mnt" / "fs1"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, with its bytes."""
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def digest(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def backup(cli: Cli, *options: str) -> str:
    result = cli.run(str(mount_point(cli)), *options, program="drmfsbackup", check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "KAVX0001-I The drmfsbackup command will now start."
    assert lines[-1] == "KAVX0002-I The drmfsbackup command will now end."
    return BACKUP_ID.search(result.stdout).group(1)


def change_files(root: Path) -> None:
    files = sorted(path for path in root.rglob("*") if path.is_file())
    with files[0].open("ab") as handle:
        handle.write(b"appended after the first backup\n")
    files[-1].unlink()
    (root / "added-later.txt").write_text("not in the first backup\n")


def copy_groups(cli: Cli) -> dict[str, dict]:
    answer = json.loads(cli.run("--json", program="drmcgctl", check=True).stdout)
    return {group["copy_group"]: group for group in answer["result"]["copy_groups"]}


def run_story(cli: Cli, provision: bool = True) -> dict:
    """Back up, change, back up, lock, rotate, restore; return what the checks need.
    ``provision``: load the example lab first (not when an agent already runs on it)."""
    if provision:
        cli.run("lab", "init", "--example", check=True)
    root = mount_point(cli)
    first_files = tree(root)
    first = backup(cli, "-comment", "first")
    change_files(root)
    second = backup(cli, "-mode", "cold")
    changed_files = tree(root)
    lock = cli.run("-backup_id", first, "-mode", "lock", program="drmcgctl", check=True)
    third, fourth = backup(cli), backup(cli)
    groups_after_rotation = copy_groups(cli)
    remote = backup(cli, "-rc", "remote_0")
    restore = cli.run(first, "-resync", program="drmfsrestore", check=True)
    return {"root": root, "ids": [first, second, third, fourth, remote], "lock": lock,
            "first_files": first_files, "changed_files": changed_files,
            "groups_after_rotation": groups_after_rotation, "restore": restore,
            "restored_files": tree(root)}


def check_story(story: dict) -> None:
    """What the story must show, in either mode."""
    assert story["ids"] == [f"{n:010d}" for n in range(1, 6)]
    assert story["changed_files"] != story["first_files"]
    assert "KAVX0302-I" in story["lock"].stdout
    groups = story["groups_after_rotation"]
    locked = [name for name, group in groups.items() if group["locked"]]
    assert len(locked) == 1 and groups[locked[0]]["backup_id"] == story["ids"][0]
    third, fourth = story["ids"][2:4]
    holders = {group["backup_id"]: name for name, group in groups.items() if group["backup_id"]}
    assert holders[third] != locked[0] and holders[fourth] != locked[0]
    assert story["restore"].stdout.splitlines() == [
        "KAVX0001-I The drmfsrestore command will now start.",
        "KAVX0002-I The drmfsrestore command will now end."]
    assert story["restored_files"] == story["first_files"]  # byte for byte, same names
    assert digest(story["restored_files"]) == digest(story["first_files"])
