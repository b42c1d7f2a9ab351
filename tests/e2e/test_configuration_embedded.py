"""The configuration a pair command ran under, through the console commands on the example lab:
DEFAULT.dat, a -pf copy parameter file, -copy_size and -cg_file are recorded with their hashes
(ConfigurationUsed) before the first step; a bad -pf or a bad list file changes nothing; the
operator log gets every printed message."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.e2e.fs_story import backup, mount_point


def events(cli) -> list[dict]:
    out = cli.run("log", "--json", check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_configuration_files_are_recorded_with_their_hashes(embedded_cli):
    cli = embedded_cli
    data = Path(cli.env["DRM_DATA_DIR"])
    cli.run("lab", "init", "--example", check=True)
    raid = data / "hosts" / "FSServer" / "conf" / "raid"
    raid.mkdir(parents=True)
    (raid / "DEFAULT.dat").write_text("HORCMINST=1\nHORCMINST_AUX=2\nRETRY_TIME=120\n"
                                      "RETRY_WAIT=5\nCOPY_SIZE=5\nVENDER=HITACHI\n"
                                      "PRODUCT=OPEN-3\n")
    (raid / "remote.dat").write_text("RESYNC_RETRY_TIME=60\nRESYNC_RETRY_WAIT=200\n")
    backup_id = backup(cli)
    used = [e for e in events(cli) if e["type"] == "ConfigurationUsed"]
    assert used[-1]["payload"]["files"] == [{"file": str(raid / "DEFAULT.dat"),
                                             "digest": sha(raid / "DEFAULT.dat")}]
    assert used[-1]["payload"]["copy_pace"] == 5
    types = [e["type"] for e in events(cli)]
    assert types.index("ConfigurationUsed") < types.index("BackupRequested")

    groups = data / "CG01.txt"
    groups.write_text("VG01,VOL01\n")
    cli.run("-cg_file", str(groups), "-copy_size", "7", "-pf", "remote.dat",
            program="drmresync", check=True)
    last = [e for e in events(cli) if e["type"] == "ConfigurationUsed"][-1]["payload"]
    assert last["command"] == "ResyncCopyGroups" and last["copy_pace"] == 7
    assert (last["retry_time"], last["retry_wait_10ms"]) == (60, 200)
    assert [f["file"] for f in last["files"]] == [str(raid / "DEFAULT.dat"),
                                                  str(raid / "remote.dat"), str(groups)]
    assert last["files"][2]["digest"] == sha(groups)

    before = len(events(cli))
    missing = cli.run("-copy_group", "VG01,VOL01", "-pf", "none.dat", program="drmresync")
    assert missing.returncode == 1 and "DRM-10611" in missing.stderr
    outside = cli.run(str(mount_point(cli)), "-pf", "/etc/hosts", program="drmfsbackup")
    assert outside.returncode == 1 and "outside" in outside.stderr
    after = [e["type"] for e in events(cli)[before:]]
    assert after == ["CommandRejected", "CommandRejected"]

    log = (data / "hosts" / "FSServer" / "log" / "drm_output.log").read_text()
    assert "KAVX0040-I" in log and f"Backup ID = {backup_id}" in log
    assert ") drmresync -copy_group VG01,VOL01 -pf none.dat" in log
