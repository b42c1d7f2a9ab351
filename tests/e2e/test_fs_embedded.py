"""The file-system commands as console programs on the example lab, agent in-process."""
from __future__ import annotations

import json

from tests.e2e.fs_story import backup, check_story, mount_point, run_story


def event_count(cli) -> int:
    return len(cli.run("log", check=True).stdout.splitlines())


def test_backup_rotate_lock_and_restore_gives_back_the_first_backup_byte_for_byte(embedded_cli):
    story = run_story(embedded_cli)
    check_story(story)


def test_catalog_listing_filters_and_missing_data(embedded_cli):
    cli = embedded_cli
    cli.run("lab", "init", "--example", check=True)
    mp = str(mount_point(cli))
    first, second = backup(cli, "-comment", "nightly"), backup(cli, "-comment", "weekly")
    lines = cli.run(mp, program="drmfscat", check=True).stdout.splitlines()
    assert lines[1] == f"INSTANCE: {mp}"
    assert lines[2] == f"BACKUP-ID: {first} BACKUP-MODE: ONLINE INSTANCE: {mp} ORIGINAL-ID: {first}"
    assert lines[3].startswith("START-TIME: ") and " END-TIME: " in lines[3]
    assert lines[4] == "HOSTNAME: FSServer"
    assert lines[5].split() == ["T", "FILE", "FS", "DG", "DEVICE", "COPY-GROUP"]
    by_id = cli.run(mp, "-backup_id", second, program="drmfscat", check=True).stdout
    assert f"BACKUP-ID: {second}" in by_id and f"BACKUP-ID: {first}" not in by_id
    by_comment = cli.run(mp, "--comment", "nightly", program="drmfscat", check=True).stdout
    assert f"BACKUP-ID: {first}" in by_comment and f"BACKUP-ID: {second}" not in by_comment
    missing = cli.run(mp, "-backup_id", "0000000099", program="drmfscat")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "KAVX0024-E The specified backup data does not exist."
    listed = json.loads(cli.run("--json", program="drmappcat", check=True).stdout)
    assert [entry["backup_id"] for entry in listed["result"]["entries"]] == [first, second]


def test_delete_and_resync_drop_catalog_entries(embedded_cli):
    cli = embedded_cli
    cli.run("lab", "init", "--example", check=True)
    first, second = backup(cli), backup(cli)
    deleted = cli.run(first, "-delete", program="drmappcat", check=True)
    assert ("KAVX0424-I The backup information corresponding to the specified backup ID has "
            f"been deleted. Backup ID = {first}") in deleted.stdout
    cli.run("-backup_id", second, program="drmresync", check=True)
    listing = cli.run(program="drmappcat", check=True).stdout.splitlines()
    assert listing[1].split()[0] == "BACKUP-ID" and len(listing) == 3  # header only, framed


def test_a_failing_command_exits_1_with_the_kavx_message_on_stderr(embedded_cli):
    cli = embedded_cli
    cli.run("lab", "init", "--example", check=True)
    result = cli.run("0000000042", "-resync", program="drmfsrestore")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("KAVX")
    assert result.stdout.splitlines() == [
        "KAVX0001-I The drmfsrestore command will now start.",
        "KAVX0002-I The drmfsrestore command will now end."]


def test_usage_errors_and_deferred_options_send_nothing(embedded_cli):
    cli = embedded_cli
    cli.run("lab", "init", "--example", check=True)
    backup(cli)
    before = event_count(cli)
    mp = str(mount_point(cli))
    for program, args in [("drmfsbackup", (mp, "-mode", "vss")),
                          ("drmfsbackup", (mp, "-auto_import")),  # needs -s
                          ("drmfsbackup", (mp, "-s", "BKServer", "-svol_check")),
                          ("drmresync", ()),
                          ("drmcgctl", ("-mode", "lock")),
                          ("drmappcat", ("-delete",)),
                          ("drmfsrestore", ("12", "-resync"))]:
        result = cli.run(*args, program=program)
        assert result.returncode == 1, (program, args, result.stderr)
        assert result.stderr.startswith(f"usage: drm {program.removeprefix('drm')} ")
        assert result.stderr.splitlines()[-1].startswith("KAVX0006-E")
        assert "DRM-90100" in result.stderr
    assert event_count(cli) == before


def test_refresh_and_display_maps(embedded_cli):
    cli = embedded_cli
    cli.run("lab", "init", "--example", check=True)
    result = cli.run("-refresh", "-cf", program="drmfsdisplay", check=True)
    lines = result.stdout.splitlines()
    assert lines[1] == "KAVX0023-I Dictionary map file was updated."
    assert lines[2] == f"INSTANCE: {mount_point(cli)}"
    assert lines[3].split()[-2:] == ["COPY-FUNC", "GENNAME"]
    assert {line.split()[-1] for line in lines[4:-1]} == {"local_0", "local_1", "local_2",
                                                          "remote_0"}
