"""The manual's worked examples with extended commands, through the console commands, agents
in-process (spec 04 §11 single server, §12 tape through the backup server with FTP), with the
manual's backup IDs and the files byte for byte; then ``drm audit log --operation``."""
from __future__ import annotations

import json

from tests.e2e.ex_story import (OPERATION, backup_id_file, data_dir, ex, mount_point, set_up,
                                svol, svol_ldev, temp_dir, tree, write_files)
from services.cli import main
from tests.ftp_server import ftp_server


def test_worked_example_a_backup_and_restore_between_volumes_on_one_server(embedded_cli,
                                                                            tmp_path):
    cli = embedded_cli
    set_up(cli, tmp_path)
    original = tree(mount_point(cli))
    ex(cli, "RESYNC", "-cg", "VG01,vol01", "-copy_size", "7")
    ex(cli, "FS_BACKUP")
    assert backup_id_file(cli, "FSServer") == "0000000001\n"
    listed = cli.run(str(mount_point(cli)), program="drmfscat", check=True).stdout
    assert "BACKUP-ID: 0000000001 BACKUP-MODE: ONLINE" in listed
    write_files(mount_point(cli), {"docs/readme.txt": b"changed after the backup\n"})
    (mount_point(cli) / "docs" / "orders.csv").unlink()
    assert tree(mount_point(cli)) != original
    ex(cli, "BACKUPID_SET", "-backup_id", "0000000001")
    ex(cli, "FS_RESTORE", "-resync")
    assert tree(mount_point(cli)) == original


def test_worked_example_b_tape_backup_and_restore_through_the_backup_server(embedded_cli,
                                                                             tmp_path):
    """Spec 04 §12.1 then §12.3, "normally split": the resync stage runs before the backup;
    then the P-VOL and the S-VOL both lose data (the S-VOL's bytes are damaged in the simulated
    array), the tape restores the S-VOL and the S-VOL the P-VOL."""
    cli = embedded_cli
    set_up(cli, tmp_path)
    original = tree(mount_point(cli))
    cli.run("-product", "NBU", "-retention_days", "92", "--host", "BKServer",
            program="drmtapeinit", check=True)
    with ftp_server(data_dir(cli) / "hosts" / "BKServer" / "ftp_root", "admin",
                    "password") as address:
        cli.env["DRM_FTP_ADDRESSES"] = json.dumps({"BKServer": address})
        # 12.1 resync stage (normally split), then the backup stage
        ex(cli, "CACHE_PURGE", "-cg", "VG01,vol01", host="BKServer")
        ex(cli, "RESYNC", "-cg", "VG01,vol01", "-copy_size", "7")
        ex(cli, "FS_BACKUP")
        assert backup_id_file(cli, "FSServer") == "0000000001\n"
        listed = cli.run(str(mount_point(cli)), program="drmfscat", check=True).stdout
        assert "BACKUP-ID: 0000000001 BACKUP-MODE: ONLINE" in listed
        ex(cli, "DB_EXPORT")
        put = ex(cli, "FTP_PUT", "-server", "BKServer", "-user", "admin", "-password",
                 "password")
        assert "password" not in put.stdout + put.stderr
        assert (temp_dir(cli, "BKServer") / f"{OPERATION}.drm").read_bytes() == \
            (temp_dir(cli, "FSServer") / f"{OPERATION}.drm").read_bytes()
        ex(cli, "DB_IMPORT", host="BKServer")
        assert backup_id_file(cli, "BKServer") == "0000000001\n"
        listed = cli.run(str(mount_point(cli)), "--host", "BKServer", program="drmfscat",
                         check=True).stdout
        assert "BACKUP-ID: 0000000001" in listed and "ORIGINAL-ID: 0000000001" in listed
        ex(cli, "TAPE_BACKUP", "-mount_pt", str(svol(cli)), host="BKServer")
        tapes = cli.run("--host", "BKServer", program="drmtapecat", check=True).stdout
        assert "0000000002 FILESYSTEM" in " ".join(tapes.split())
        # data lost on both volumes
        write_files(mount_point(cli), {"docs/readme.txt": b"damaged on the P-VOL\n"})
        write_files(svol_ldev(cli), {"docs/readme.txt": b"damaged on the S-VOL\n"})

        # 12.3 restore from tape: tape -> S-VOL -> P-VOL
        long = cli.run("-hostname", "FSServer", "-l", "--host", "BKServer",
                       program="drmtapecat", check=True).stdout
        assert "0000000002 0000000001 FSServer FILESYSTEM" in " ".join(long.split())
        ex(cli, "TAPE_RESTORE", "-backup_id", "0000000002", host="BKServer")
        assert backup_id_file(cli, "BKServer") == "0000000003\n"
        listed = cli.run(str(mount_point(cli)), "--host", "BKServer", program="drmfscat",
                         check=True).stdout
        assert "BACKUP-ID: 0000000003" in listed and "ORIGINAL-ID: 0000000001" in listed
        ex(cli, "DB_EXPORT", host="BKServer")
        ex(cli, "FTP_GET", "-server", "BKServer", "-user", "admin", "-password", "password")
        ex(cli, "DB_IMPORT")
        assert backup_id_file(cli, "FSServer") == "0000000002\n"  # the next ID on FSServer
        listed = cli.run(str(mount_point(cli)), program="drmfscat", check=True).stdout
        assert "BACKUP-ID: 0000000002" in listed and "ORIGINAL-ID: 0000000001" in listed
        assert tree(mount_point(cli)) != original
        ex(cli, "FS_RESTORE", "-resync")
    assert tree(mount_point(cli)) == original  # byte for byte the files of backup 1

    rows = json.loads(cli.run("audit", "log", "--operation", "operation_a", "--json",
                              check=True).stdout)
    assert {row["host"] for row in rows} == {"FSServer", "BKServer"}
    tagged = [r for r in rows if r["type"] == "OperationCommandStarted"]
    assert len(tagged) == 17  # the basic commands of the 12 extended commands (3 + 3 tape)
    assert len([r for r in rows if r["type"] == "ExportFileTransferred"]) == 2
    other = json.loads(cli.run("audit", "log", "--operation", "Operation_B", "--json",
                               check=True).stdout)
    assert other == []
    for host in ("FSServer", "BKServer"):
        stream = cli.run("log", "--host", host, "--json").stdout
        assert '"password"' not in stream and ":password" not in stream


EVERY_EXTENDED = {"FS_BACKUP": (), "FS_RESTORE": ("-resync",), "RESYNC": (),
                  "BACKUPID_SET": ("-backup_id", "0000000001"), "DB_EXPORT": (), "DB_IMPORT": (),
                  "FTP_PUT": ("-server", "BKServer", "-user", "u", "-password", "p"),
                  "FTP_GET": ("-server", "BKServer", "-user", "u", "-password", "p"),
                  "CACHE_PURGE": (), "MOUNT": (), "UMOUNT": (), "TAPE_BACKUP": (),
                  "TAPE_RESTORE": ("-backup_id", "0000000002")}


def stream_length(cli) -> int:
    return len(cli.run("log", "--host", "FSServer", "--json", check=True).stdout.splitlines())


def test_every_extended_command_refuses_a_bad_definition_file_naming_it_and_sends_nothing(
        embedded_cli, tmp_path, monkeypatch, capsys):
    cli = embedded_cli
    set_up(cli, tmp_path)
    for name, value in cli.env.items():
        if name.startswith("DRM_"):
            monkeypatch.setenv(name, value)
    conf = data_dir(cli) / "hosts" / "FSServer" / "script" / "conf"
    (conf / "_Bad.dat").write_text("BACKUP_OBJECT=FILESYSTEM\nFTP_SUB_DIR=..\n")
    (conf / "_Unchecked.dat").write_text((conf / f"_{OPERATION}.dat").read_text())
    before = stream_length(cli)
    for name, options in EVERY_EXTENDED.items():  # in this process: the same code, faster
        assert main.run([f"EX_DRM_{name}", "Bad", *options]) == 1
        bad = capsys.readouterr()
        assert "DRM-10610" in bad.err, (name, bad.err)
        assert "_Bad.dat" in bad.err and "SET_DRM_HOSTNAME" in bad.err, name
        assert bad.out == "", name  # refused before KAVX0450-I: nothing ran
    unchecked = cli.run("Unchecked", program="EX_DRM_FS_BACKUP")
    assert "DRM-10601" in unchecked.stderr and "EX_DRM_FS_DEF_CHECK Unchecked -db" in \
        unchecked.stderr
    missing = cli.run("NoSuchOperation", program="EX_DRM_FS_BACKUP")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert cli.run("-x", program="EX_DRM_FS_RESTORE").returncode == 1
    no_bid = cli.run(OPERATION, "-resync", program="EX_DRM_FS_RESTORE")
    assert no_bid.returncode == 1 and "backup ID file" in no_bid.stderr
    assert no_bid.stdout.splitlines() == [
        "KAVX0450-I The EX_DRM_FS_RESTORE command will now start.",
        "KAVX0451-I The EX_DRM_FS_RESTORE command will now end."]
    assert stream_length(cli) == before
    log = (data_dir(cli) / "hosts" / "FSServer" / "script" / "log" / "drm_script.log")
    records = log.read_text().splitlines()
    assert [r.split("|")[1].strip() for r in records[-3:]] == ["START", "ERROR", "END"]


def test_drm_ex_runs_an_extended_command_by_its_short_or_manual_name(embedded_cli, tmp_path):
    cli = embedded_cli
    set_up(cli, tmp_path)
    for number, alias in enumerate((["ex", "fs_backup"], ["ex", "EX_DRM_FS_BACKUP"],
                                    ["EX_DRM_FS_BACKUP"]), 1):
        cli.run(*alias, OPERATION, "-mode", "cold", check=True)
        assert backup_id_file(cli, "FSServer") == f"{number:010d}\n"
    listing = cli.run("ex", check=True).stdout
    assert "fs_backup" in listing and "EX_DRM_TAPE_RESTORE" in listing
