"""``drmfsdisplay``: the maps in the manual's layout, and a hint when they are empty."""
from __future__ import annotations

from tests.unit.cli.fakes import FakeRunner, a_reply, completed

START = "KAVX0001-I The drmfsdisplay command will now start."
END = "KAVX0002-I The drmfsdisplay command will now end."


def test_maps_never_built_say_so_and_name_refresh(run):
    ran = run(["fsdisplay"], FakeRunner(a_reply(volumes=[], refreshed_seq=0)))
    assert ran.code == 0
    assert ran.lines == [START, "DRMX1019-W The dictionary maps are empty: they were never "
                                "built on this host. drmfsdisplay -refresh builds them from the "
                                "host's file systems.", END]


def test_maps_built_empty_say_they_hold_nothing(run):
    ran = run(["fsdisplay"], FakeRunner(a_reply(volumes=[], refreshed_seq=4)))
    assert "they hold no file system" in ran.out and "-refresh builds them" in ran.out


def test_a_refresh_alone_prints_no_hint(run):
    ran = run(["fsdisplay", "-refresh"], FakeRunner(completed("RefreshDictionaryMaps")))
    assert ran.lines == [START, "KAVX0023-I Dictionary map file was updated.", END]


def test_maps_with_volumes_print_no_hint(run):
    volume = {"mount_point": "/mnt/fs1", "device": "410001:256", "copy_groups": []}
    ran = run(["fsdisplay"], FakeRunner(a_reply(volumes=[volume], refreshed_seq=2)))
    assert "DRMX1019-W" not in ran.out and "INSTANCE: /mnt/fs1" in ran.out


def test_dash_v_asks_where_the_data_files_are_and_shows_db_path(run):
    volume = {"mount_point": "/mnt/fs1", "device": "410001:256", "copy_groups": []}
    runner = FakeRunner(a_reply(db_path="/data/hosts/FSServer", store="sqlite"),
                        a_reply(volumes=[volume], refreshed_seq=2))
    ran = run(["fsdisplay", "-v"], runner)
    assert [name for name, _, _ in runner.calls] == ["ShowDataFiles", "DisplayDictionaryMaps"]
    assert ran.lines[:3] == [START, "DB_PATH: /data/hosts/FSServer", "INSTANCE: /mnt/fs1"]


def test_dash_v_with_refresh_alone_shows_db_path_after_the_refresh(run):
    runner = FakeRunner(completed("RefreshDictionaryMaps"), a_reply(db_path="/d", store="x"))
    ran = run(["fsdisplay", "-refresh", "--v"], runner)
    assert ran.lines == [START, "KAVX0023-I Dictionary map file was updated.", "DB_PATH: /d",
                         END]
