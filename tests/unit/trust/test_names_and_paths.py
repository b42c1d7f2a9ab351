"""One set of rules for names and paths, and the roots paths may not leave."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from adapters.files import FileTooLarge, read_limited
from adapters.paths import PathOutsideRoot, confine, host_dir
from events.fs_commands import BackupFileSystem
from events.names import BadName, check, check_copy_group, check_path
from events.tape import ListTapeCatalog, MountSvol
from services.settings import load_settings
from tests.fuzzing import examples


class TestNames:
    @pytest.mark.parametrize("host", ["FSServer", "bk-01", "db.example", "A", "x" * 63])
    def test_ordinary_host_names_pass(self, host):
        assert check("host", host) == host

    @pytest.mark.parametrize("host", ["", "../../x", "a/b", ".hidden", "x" * 64, "FS\x00", "a b",
                                      "é"])
    def test_host_names_that_could_escape_or_confuse_are_refused(self, host):
        with pytest.raises(BadName, match="host"):
            check("host", host)

    @pytest.mark.parametrize("group", ["VG01", "../x,VOL01", "VG01,", "a,b,c", "VG 1,VOL01"])
    def test_copy_groups_need_two_plain_parts(self, group):
        with pytest.raises(BadName):
            check_copy_group(group)
        assert check_copy_group("VG01,VOL01") == "VG01,VOL01"

    @pytest.mark.parametrize("path", ["../x", "mnt/../../etc", "a\x00b", "x" * 1025, ""])
    def test_paths_with_dotdot_control_characters_or_excess_length_are_refused(self, path):
        with pytest.raises(BadName):
            check_path(path)

    @settings(max_examples=examples(300), deadline=None)
    @given(st.text(max_size=80))
    def test_any_text_is_either_a_valid_host_or_a_clear_refusal(self, text):
        try:
            checked = check("host", text)
        except BadName as error:
            assert "host" in str(error)
        else:
            assert "/" not in checked and ".." not in checked and "\x00" not in checked


class TestConfinement:
    def test_a_relative_path_lands_under_the_first_root(self, tmp_path):
        assert confine("mnt/fs1", [tmp_path]) == tmp_path / "mnt" / "fs1"

    @pytest.mark.parametrize("path", ["/elsewhere", "../x", "/etc/passwd"])
    def test_a_path_outside_every_root_is_refused(self, tmp_path, path):
        with pytest.raises((PathOutsideRoot, BadName)):
            confine(path, [tmp_path / "data"])

    def test_an_absolute_path_inside_a_configured_root_passes(self, tmp_path):
        other = tmp_path / "mnt"
        assert confine(str(other / "fs9"), [tmp_path / "data", other]) == other / "fs9"

    def test_a_symlinked_parent_that_leaves_the_root_is_refused(self, tmp_path):
        root = tmp_path / "data"
        root.mkdir()
        (root / "link").symlink_to(tmp_path.parent)
        with pytest.raises(PathOutsideRoot):
            confine("link/elsewhere", [root])

    def test_a_host_directory_needs_a_valid_host_name(self, tmp_path):
        assert host_dir(tmp_path, "FSServer") == tmp_path / "hosts" / "FSServer"
        with pytest.raises(BadName):
            host_dir(tmp_path, "../../x")

    def test_the_store_of_a_bad_host_name_is_never_created(self, tmp_path):
        settings = load_settings({}, data_dir=tmp_path / "data", hostname="FSServer")
        with pytest.raises(BadName):
            settings.database_url_for("../../x")
        assert not (tmp_path / "x").exists() and not (tmp_path / "data").exists()


class TestSizeLimits:
    def test_an_endless_device_is_refused_after_the_limit(self):
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero on this system")
        with pytest.raises(FileTooLarge):
            read_limited("/dev/zero", 1 << 20, "export file")

    def test_a_file_at_the_limit_is_read_whole(self, tmp_path):
        path = tmp_path / "f"
        path.write_bytes(b"x" * 1024)
        assert read_limited(path, 1024) == b"x" * 1024
        with pytest.raises(FileTooLarge):
            read_limited(path, 1023)


class TestCommandsFollowTheRules:
    """The rules hold on the bus too: a command naming a bad path or host never validates."""

    @pytest.mark.parametrize("build", [
        lambda: BackupFileSystem(targets=("../x",)),
        lambda: BackupFileSystem(targets=("/mnt/fs1",), backup_server="../../x",
                                 auto_import=True),
        lambda: BackupFileSystem(targets=("/mnt/fs1",), comment="x" * 256),
        lambda: BackupFileSystem(targets=("/mnt/fs1",), generation="../x"),
        lambda: BackupFileSystem(targets=("/mnt/fs1",) * 257),
        lambda: MountSvol(backup_id="0000000001", mount_point="a\x00b"),
        lambda: MountSvol(copy_group="../VG,VOL"),
        lambda: ListTapeCatalog(hostname="../x"),
    ])
    def test_a_command_breaking_a_rule_does_not_validate(self, build):
        with pytest.raises(ValidationError):
            build()

    def test_an_ordinary_command_still_validates(self):
        command = BackupFileSystem(targets=("/mnt/fs1",), generation="local_0", comment="nightly",
                                   backup_server="BKServer", auto_import=True, auto_mount="")
        assert command.auto_mount == ""


def test_a_symlinked_leaf_that_leaves_the_root_is_refused(tmp_path):
    """A directory or file that is itself a symlink out of the root (hostile finding: only
    the parent was resolved, so ``<root>/link`` -> ``/`` passed and files were written out)."""
    root = tmp_path / "data"
    root.mkdir()
    (root / "link").symlink_to(tmp_path.parent)
    (root / "inner").symlink_to(root)
    with pytest.raises(PathOutsideRoot):
        confine("link", [root])
    with pytest.raises(PathOutsideRoot):
        confine(str(root / "link"), [root])
    assert confine("inner", [root]) == root / "inner"
