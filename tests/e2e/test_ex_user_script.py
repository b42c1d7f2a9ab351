"""The manual's user-script example (spec 04 §14, Table 5-1) with its Windows batch files as
shell scripts: ``drmfsbackup E -mode cold -script script.txt -s BKServer -auto_import
-auto_mount <mp> -comment TEST1``; the console trace in the manual's order, the NOWAIT tape
backup on the backup server with DRMENV_COMMENT and DRMENV_R_BACKUPID, byte-exact data."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tests.e2e.ex_story import data_dir, mount_point, set_up, svol, tree

BIN = Path(sys.executable).parent


def scripts(folder: Path, cli) -> Path:
    """The manual's four batch files as shell scripts, and its script file."""
    folder.mkdir(parents=True, exist_ok=True)
    tape = folder / "tape"
    files = {
        "stop_app.sh": f'echo "stopped $VAL" >> "{folder}/app.log"\nexit 0\n',
        "restart_app.sh": f'echo "restarted $VAL" >> "{folder}/app.log"\nexit 0\n',
        "recovery.sh": f'echo "recovered" >> "{folder}/app.log"\nexit 0\n',
        # tapebackup.bat: copy the mounted S-VOL to "tape", then unmount the imported backup
        "tapebackup.sh": (f'mkdir -p "{tape}" && cp -r "{svol(cli)}/." "{tape}/" || exit 1\n'
                          f'echo "$DRMENV_COMMENT $DRMENV_R_BACKUPID $DRMENV_CMD_STAT" '
                          f'> "{folder}/tape.env"\n'
                          f'"{BIN}/drmumount" "$DRMENV_R_BACKUPID" > "{folder}/umount.out" '
                          f'2>&1 || exit 1\n'
                          f'touch "{folder}/tape.done"\nexit 0\n'),
    }
    for name, body in files.items():
        (folder / name).write_text("#!/bin/sh\n" + body)
        (folder / name).chmod(0o755)
    script = folder / "script.txt"
    script.write_text(f"""LOCAL_BACKUP=YES
#Pre-processing section
[PRE_PROC]
[CMD]
#Stop the application programs that are using the file system
CMDLINE={folder}/stop_app.sh
ENV=VAL=ApplicationName
TIMEOUT=60
END_CODE=100
LOCATION=LOCAL
#Clearing of the secondary volume cache (mounting and unmounting)
[CMD]
CMDLINE="{BIN}/drmmount" -copy_group VG01,vol01
LOCATION=REMOTE
[CMD]
CMDLINE="{BIN}/drmumount" -copy_group VG01,vol01
LOCATION=REMOTE
#Post-processing section
[POST_PROC]
#Tape backup of the secondary volume
[CMD]
CMDLINE={folder}/tapebackup.sh
TIMEOUT=NOWAIT
END_CODE=TERMINATE_NZ
LOCATION=REMOTE
PARENT_STAT=NORMAL
[CMD]
#Application recovery processing if there is a backup error
CMDLINE={folder}/recovery.sh
TIMEOUT=60
END_CODE=IGNORE
LOCATION=LOCAL
PARENT_STAT=ERROR
[CMD]
#Re-start the application programs that use the file system
CMDLINE={folder}/restart_app.sh
ENV=VAL=ApplicationName
TIMEOUT=60
END_CODE=100
LOCATION=LOCAL
""")
    return script


def test_the_manuals_user_script_example_runs_as_the_manual_shows(embedded_cli, tmp_path):
    cli = embedded_cli
    set_up(cli, tmp_path)
    original = tree(mount_point(cli))
    folder = tmp_path / "tmp"
    script = scripts(folder, cli)
    result = cli.run(str(mount_point(cli)), "-mode", "cold", "-script", str(script), "-s",
                     "BKServer", "-auto_import", "-auto_mount", str(svol(cli)), "-comment",
                     "TEST1", program="drmfsbackup", check=True)
    lines = result.stdout.splitlines()
    ids = [line.split()[0] for line in lines]
    assert ids == ["KAVX0001-I", "KAVX0256-I",
                   "KAVX0210-I", "KAVX0263-I", "KAVX0213-I", "KAVX0263-I", "KAVX0213-I",
                   "KAVX0263-I", "KAVX0213-I", "KAVX0211-I",
                   "KAVX0040-I", "KAVX5156-I", "KAVX5157-I", "KAVX5158-I", "KAVX5159-I",
                   "Dictionary", "Imported", "KAVX5162-I", "Mount", "KAVX5163-I",
                   "KAVX0210-I", "KAVX0263-I", "KAVX0213-I", "KAVX0263-I", "KAVX0213-I",
                   "KAVX0211-I", "KAVX0257-I", "KAVX0002-I"], result.stdout
    assert lines[1].endswith("Host name = BKServer")
    assert lines[2].endswith("Procedure section = [PRE_PROC]")
    assert lines[3].endswith(f"Host name = LOCAL Command line = {folder}/stop_app.sh")
    assert "Host name = BKServer" in lines[5] and "-copy_group VG01,vol01" in lines[5]
    assert all(lines[i].endswith("End code = 0") for i in (4, 6, 8, 22, 24))
    assert "Backup ID = 0000000001" in lines[10]
    assert lines[16] == "Imported backup ID = 0000000001"
    assert lines[20].endswith("[POST_PROC]")
    assert lines[21].endswith(f"Host name = BKServer Command line = {folder}/tapebackup.sh")
    assert lines[23].endswith(f"Host name = LOCAL Command line = {folder}/restart_app.sh")

    deadline = time.monotonic() + 60  # NOWAIT: the backup did not wait for the "tape"
    while not (folder / "tape.done").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (folder / "tape.done").exists(), (folder / "umount.out").read_text()
    assert (folder / "tape.env").read_text() == "TEST1 0000000001 NORMAL\n"
    assert tree(folder / "tape") == original  # the S-VOL of the cold backup, byte for byte
    assert (folder / "app.log").read_text() == ("stopped ApplicationName\n"
                                                "restarted ApplicationName\n")
    groups = json.loads(cli.run("--json", "--host", "BKServer", program="drmcgctl",
                                check=True).stdout)["result"]["copy_groups"]
    assert [g["mount_point"] for g in groups] == [None] or not any(
        g.get("mount_point") for g in groups)  # tapebackup.sh unmounted it
