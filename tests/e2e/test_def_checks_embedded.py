"""The check tools through the real console commands on the example lab: EX_DRM_FS_DEF_CHECK on
the file server and the backup server, EX_DRM_CG_DEF_CHECK, EX_DRM_HOST_DEF_CHECK, and
``drm ex fs-def-check``; a bad file exits 1 naming file, line and key and creates nothing."""
from __future__ import annotations

from pathlib import Path


def definition(data: Path, server: str) -> str:
    return (f"BACKUP_OBJECT=FILESYSTEM\nDB_SERVER_NAME={server}\nINSTANCE_NAME=mp.txt\n"
            f"TARGET_NAME=\nFTP_HOME_DIR={data / 'FTP_ROOT'}\nFTP_SUB_DIR=script\n"
            f"SET_DRM_HOSTNAME=0\n")


def test_the_check_tools_on_the_example_lab(embedded_cli):
    cli = embedded_cli
    data = Path(cli.env["DRM_DATA_DIR"])
    cli.run("lab", "init", "--example", check=True)
    for host in ("FSServer", "BKServer"):
        conf = data / "hosts" / host / "script" / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "_Operation_A.dat").write_text(definition(data, "FSServer"))
        (conf / "host.dat").write_text(f"HOST_ROLE={'DB' if host == 'FSServer' else 'BK'}\n"
                                       f"MAX_LOG_LINES=1000\n")
    (data / "FTP_ROOT").mkdir()

    db = cli.run("Operation_A", "-db", program="EX_DRM_FS_DEF_CHECK", check=True)
    temp = data / "hosts" / "FSServer" / "script_work" / "Operation_A" / "DB"
    assert db.stdout.splitlines()[-1] == f"DRMX0611-I Temporary directory = {temp}"
    assert temp.is_dir()
    bk = cli.run("ex", "fs-def-check", "operation_a", "-bk", "--host", "BKServer", check=True)
    assert (data / "FTP_ROOT" / "script" / "Operation_A" / "BK").is_dir()
    assert "DRMX0610-I The definition file is valid" in bk.stdout

    host = cli.run("-db", "-f", "host.dat", program="EX_DRM_HOST_DEF_CHECK", check=True)
    assert host.stdout.startswith("DRMX0610-I")
    wrong = cli.run("-bk", "-f", "host.dat", program="EX_DRM_HOST_DEF_CHECK")
    assert wrong.returncode == 1 and "HOST_ROLE: DB does not match -bk" in wrong.stderr

    (data / "CG01.txt").write_text("VG01,VOL01\nVG02,VOL02\n")
    empty = cli.run("Operation_A", "-cg_file", str(data / "CG01.txt"),
                    program="EX_DRM_CG_DEF_CHECK")
    assert empty.returncode == 1 and "drmfsdisplay -refresh" in empty.stderr
    cli.run("-refresh", program="drmfsdisplay", check=True)
    cg = cli.run("Operation_A", "-cg_file", str(data / "CG01.txt"),
                 program="EX_DRM_CG_DEF_CHECK", check=True)
    assert "CG01.txt" in cg.stdout
    (data / "CG01.txt").write_text("VG01,VOL01\nVG09,VOL09\n")
    unknown = cli.run("ex", "cg_def_check", "Operation_A", "-cg_file", str(data / "CG01.txt"))
    assert unknown.returncode == 1 and "VG09,VOL09: not a copy group" in unknown.stderr

    conf = data / "hosts" / "FSServer" / "script" / "conf"
    mount = data / "hosts" / "FSServer" / "mnt" / "fs1"
    (conf / "_Mounted.dat").write_text(definition(data, "FSServer").replace(
        "INSTANCE_NAME=mp.txt", f"INSTANCE_NAME={mount}"))
    cli.run("Mounted", "-db", program="EX_DRM_FS_DEF_CHECK", check=True)
    (conf / "_Elsewhere.dat").write_text(definition(data, "FSServer").replace(
        "INSTANCE_NAME=mp.txt", f"INSTANCE_NAME={mount}x"))
    elsewhere = cli.run("Elsewhere", "-db", program="EX_DRM_FS_DEF_CHECK")
    assert elsewhere.returncode == 1 and "is not a mount point of this host" in elsewhere.stderr
    (conf / "_Bad.dat").write_text(definition(data, "FSServer").replace("FTP_SUB_DIR=script",
                                                                        "FTP_SUB_DIR=.."))
    bad = cli.run("Bad", "-db", program="EX_DRM_FS_DEF_CHECK")
    assert bad.returncode == 1 and "KAVX0006-E" in bad.stderr
    assert "_Bad.dat line 6: FTP_SUB_DIR: must not be .." in bad.stderr
    assert not (data / "hosts" / "FSServer" / "script_work" / "Bad").exists()
    usage = cli.run("Operation_A", program="EX_DRM_FS_DEF_CHECK")
    assert usage.returncode == 1 and "exactly one of -db and -bk" in usage.stderr
    bad_id = cli.run("-x", "-db", program="EX_DRM_FS_DEF_CHECK")
    assert bad_id.returncode == 1 and "Traceback" not in bad_id.stderr
