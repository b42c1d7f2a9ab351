"""A mount point sent over the bus never leaves the data directory (or the lab host's
``mount_roots``): the command is rejected, nothing is mounted, locked or created."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from events.tape import MountSvol

from tests.integration.tape.test_tape_workflows import bk, first_backup, refused


@pytest.mark.parametrize("mount_point", ["/elsewhere", "/var/lib/elsewhere"])
def test_a_mount_point_outside_the_roots_is_rejected(fs_agent, bk_agent, data_dir, tmp_path,
                                                     mount_point):
    backup_id = first_backup(fs_agent, bk_agent)
    before = bk_agent.store.head(bk_agent.host)[0]
    text = refused(bk_agent.handle(bk("MountSvol", backup_id=backup_id,
                                      mount_point=mount_point)))
    assert "mount point" in text
    assert not (data_dir.parent / "x").exists()
    assert not bk_agent.view.copy_groups or not any(
        group.locked for group in bk_agent.view.copy_groups.values())
    recorded = [e.type for e in bk_agent.store.read(bk_agent.host, after_seq=before)]
    assert recorded[-1] == "CommandRejected"
    assert not {"SvolMountRequested", "SvolMounted"} & set(recorded)


@pytest.mark.parametrize("mount_point", ["../x", "mnt/../../../x", "a\x00b"])
def test_a_mount_point_with_dotdot_or_nul_never_becomes_a_command(mount_point):
    with pytest.raises(ValidationError, match="mount_point"):
        MountSvol(backup_id="0000000001", mount_point=mount_point)
