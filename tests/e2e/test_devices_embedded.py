"""The backup server's devices as console programs, agents in-process: the manual's dynamic
recognition steps (drmdevctl -detach, drmmount -conf, drmumount), a read-only mount that
refuses a user's write, the change drmumount reports, and drmfscat's devices on BKServer."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from adapters.lab.provision import open_storage, volume
from adapters.storage.kernel_mounts import mounts_under
from tests.e2e.fs_story import backup, mount_point
from tests.e2e.transfer_story import BK, load_split_lab, run

VG1 = "VG01,VOL01"


@pytest.fixture
def cli(embedded_cli, tmp_path):
    load_split_lab(embedded_cli, tmp_path)
    return embedded_cli


def imported(cli, tmp_path) -> str:
    run(cli, "drmresync", "-copy_group", VG1)
    backup_id = backup(cli)
    run(cli, "drmdbexport", backup_id, "-f", str(tmp_path / "op.drm"))
    output = run(cli, "drmdbimport", "-f", str(tmp_path / "op.drm"), host=BK)
    return output.split("Imported backup ID = ")[1].split()[0]


def test_dynamic_recognition_steps_and_a_read_only_mount_that_stays_read_only(cli, tmp_path):
    data = Path(cli.env["DRM_DATA_DIR"])
    bk_id = imported(cli, tmp_path)
    assert run(cli, "drmdevctl", "-detach", host=BK) == ""  # step 1: no output
    shown = json.loads(run(cli, "drmdevctl", "--json", host=BK))["result"]["devices"]
    assert all(d["concealed"] for d in shown)
    refused = cli.run("--host", BK, bk_id, program="drmmount")
    assert refused.returncode == 1 and "DRM-10090" in refused.stderr  # DEVICE_DETACH=DISABLE
    assert run(cli, "drmdevctl", "-attach", host=BK) == ""
    lines = run(cli, "drmmount", bk_id, "-conf", host=BK).splitlines()
    conf = data / "hosts" / BK / "conf" / "vm" / "CG_MP.conf"
    assert lines[-2] == f"KAVX0443-I The copy group mount definition file was updated. " \
                        f"File name = {conf}"
    point = Path(lines[1].split("Mount point = ")[1])
    guard = json.loads(run(cli, "drmdevctl", bk_id, "--json", host=BK))["result"]["devices"]
    if guard[0]["enforced"]:
        touched = subprocess.run(["touch", str(point / "touched")], capture_output=True,
                                 text=True, timeout=30)
        assert touched.returncode != 0, touched  # the user the tests run as is refused
        assert not (point / "touched").exists()
    svol = open_storage(data).volume_path(volume("410001", 257))
    (svol / "docs" / "readme.txt").write_text("a change that got through\n")
    lines = run(cli, "drmumount", bk_id, host=BK).splitlines()
    assert lines[-2].startswith("DRMX0490-W The S-VOL was changed while it was mounted "
                                "read-only: 1 entries differ from the mount "
                                "(docs/readme.txt (modified)).")
    log = cli.run("log", "--host", BK, check=True).stdout
    for event in ("SvolsConcealed", "SvolsRevealed", "ReadOnlyMountGuarded",
                  "MountDefinitionUpdated", "ReadOnlyMountChanged"):
        assert event in log
    assert mounts_under(data) == []
    assert run(cli, "drmdevctl", "-detach", host=BK) == ""  # step 12


def test_drmfscat_on_the_backup_server_shows_the_backup_servers_device(cli, tmp_path):
    imported(cli, tmp_path)
    target = str(mount_point(cli))
    bk_rows = json.loads(run(cli, "drmfscat", target, "--json", host=BK))["result"]["entries"][0]
    fs_rows = json.loads(run(cli, "drmfscat", target, "--json"))["result"]["entries"][0]
    assert [r["device"] for r in bk_rows["rows"]] == ["410001:257"]
    assert [r["device"] for r in fs_rows["rows"]] == ["410001:256"]
    assert "410001:257 VG01,VOL01" in run(cli, "drmfscat", target, host=BK)
