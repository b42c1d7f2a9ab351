"""Errors that name a remedy name a command that exists (issue 11 item 6): the ``pairsplit``
that a DRM-10030 refusal names, run through the agent as given, makes the refused command
work."""
from __future__ import annotations

import re
import shlex

from tests.fs_lab import FS_MOUNT, command, fs_root, tree

REMEDY = re.compile(r"run (pairsplit .+?) first")


def done(outcome) -> dict:
    assert outcome.type == "CommandCompleted", outcome.payload
    return outcome.payload["result"]


def remedy_of(outcome) -> list[list[str]]:
    """The remedy command lines the refusal names (``… and …``), as words."""
    assert outcome.type == "CommandRejected", outcome.payload
    assert "DRM-10030" in outcome.payload["text"]
    found = REMEDY.search(outcome.payload["text"])
    assert found, outcome.payload["text"]
    return [shlex.split(line) for line in found.group(1).split(" and ")]


def run_cci(agent, words: list[str], host: str):
    """``pairsplit -g G -d D`` through ``agent``, as the CLI builds it."""
    from services.cli.main import build_parser

    args = build_parser([words[0]]).parse_args(words)
    return agent.handle(command("SplitPair", host=host, **{
        k: v for k, v in args.__dict__.items() if k in ("group", "device")}))


def test_a_restore_refused_for_a_paired_related_group_works_after_the_named_pairsplit(
        fs_agent, data_dir):
    before = tree(fs_root(data_dir))
    done(fs_agent.handle(command("BackupFileSystem", targets=[FS_MOUNT])))
    (fs_root(data_dir) / "docs" / "readme.txt").write_text("changed after the backup\n")
    refused = fs_agent.handle(command("RestoreFileSystem", backup_id="0000000001"))
    remedies = remedy_of(refused)
    assert remedies == [["pairsplit", "-g", g, "-d", d]
                        for g, d in (("VG02", "VOL02"), ("VG03", "VOL03"), ("TC01", "VOL01"))]
    for words in remedies:
        done(run_cci(fs_agent, words, "FSServer"))
    done(fs_agent.handle(command("RestoreFileSystem", backup_id="0000000001")))
    assert tree(fs_root(data_dir)) == before


def test_drmmount_of_a_paired_group_names_the_pairsplit_that_lets_it_mount(bk_agent):
    refused = bk_agent.handle(command("MountSvol", host="BKServer", copy_group="VG01,VOL01"))
    [words] = remedy_of(refused)
    assert words == ["pairsplit", "-g", "VG01", "-d", "VOL01"]
    done(run_cci(bk_agent, words, "BKServer"))
    mounted = done(bk_agent.handle(command("MountSvol", host="BKServer",
                                           copy_group="VG01,VOL01")))
    assert mounted["mounts"][0]["read_only"] is True
