"""Read-only S-VOL mounts refuse writes, whoever the tests run as, and an unmount finds any
change made anyway (``adapters.storage.read_only``, ``tree_digest``)."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from adapters.storage.kernel_mounts import (CAP_DAC_OVERRIDE, CAP_SYS_ADMIN, has_capability,
                                            mounts_under)
from adapters.storage.simulated_array import SimulatedStorage
from tests.integration.storage.conftest import Lab2
from tests.unit.storage.trees import tree_state, write_tree

SAMPLE = {"docs/readme.txt": b"hello", "data/blob.bin": b"\x00" * 5000, "top.txt": b"top"}
NOBODY = 65534


def split_svol(lab, mu: str = "0"):
    write_tree(lab.path(lab.p), SAMPLE)
    svol = lab.locals[int(mu)]
    lab.storage.paircreate(lab.p, svol, "SI", mu)
    lab.storage.pairevtwait(lab.p, mu, "PAIR", 10)
    lab.storage.pairsplit(lab.p, mu)
    return svol


def try_writes(point: Path) -> list[str]:
    """The writes that succeeded: touch a new file, append to one, make a directory, remove one."""
    done = []
    for name, attempt in (("touch", lambda: (point / "new.txt").touch()),
                          ("append", lambda: (point / "top.txt").open("ab").write(b"x")),
                          ("mkdir", lambda: (point / "docs" / "sub").mkdir()),
                          ("unlink", lambda: (point / "docs" / "readme.txt").unlink())):
        try:
            attempt()
            done.append(name)
        except OSError:
            pass
    return done


def test_a_read_only_mount_refuses_the_writes_of_the_user_the_tests_run_as(tmp_path):
    lab = Lab2(tmp_path / "arrays")
    svol = split_svol(lab)
    before = tree_state(lab.path(svol))
    point = tmp_path / "bk" / "vg01"
    assert lab.storage.mount(svol, point) is True
    info = lab.storage.read_only_guard(svol)
    if info.enforced:
        assert try_writes(point) == []
        assert tree_state(lab.path(svol)) == before
    else:  # only root without CAP_SYS_ADMIN: nothing on the host can refuse its writes
        assert not has_capability(CAP_SYS_ADMIN) and has_capability(CAP_DAC_OVERRIDE)
        assert info.guard == "modes"
    assert (point / "docs" / "readme.txt").read_bytes() == b"hello"  # reads still work
    changes = lab.storage.unmount(point)
    assert bool(changes) is (not info.enforced)
    assert lab.storage.read_only_guard(svol) is None
    assert mounts_under(tmp_path) == []  # the bind mount (if any) went with the unmount
    (lab.path(svol) / "after.txt").write_bytes(b"writable again")  # the array's own view


@pytest.mark.skipif(not has_capability(CAP_SYS_ADMIN), reason="bind mounts need CAP_SYS_ADMIN "
                                                               "(the guard falls back to modes)")
def test_with_mount_privilege_the_guard_is_a_read_only_bind_mount_that_refuses_root(tmp_path):
    lab = Lab2(tmp_path / "arrays")
    svol = split_svol(lab)
    point = tmp_path / "vg01"
    lab.storage.mount(svol, point)
    info = lab.storage.read_only_guard(svol)
    assert (info.guard, info.enforced) == ("bind", True)
    assert len(mounts_under(tmp_path)) == 1
    with pytest.raises(OSError) as refused:
        (point / "new.txt").touch()
    assert refused.value.errno == 30  # EROFS: the kernel refuses it, root included
    assert not lab.storage.unmount(point)


@pytest.fixture
def shared_dir():
    """A directory another user can reach (pytest's tmp directories are private to root)."""
    path = Path(tempfile.mkdtemp(prefix="drm-ro-"))
    path.chmod(0o755)
    yield path
    for point in mounts_under(path):
        subprocess.run(["umount", "-l", str(point)], check=False)
    shutil.rmtree(path, ignore_errors=True)


def as_other_user(script: str) -> subprocess.CompletedProcess:
    """``sh -c script`` as the volume's owner: ``nobody`` when the tests run as root."""
    kwargs = {"user": NOBODY, "group": NOBODY, "extra_groups": []} if os.geteuid() == 0 else {}
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30,
                          **kwargs)


def test_without_mount_privilege_the_write_bits_go_and_come_back_exactly(shared_dir):
    """The ``modes`` guard (what a process that may not mount gets): every write bit removed
    while mounted, a write by the volume's owning user refused, the exact modes restored."""
    storage = SimulatedStorage(shared_dir / "arrays", read_only_guard="modes")
    lab = Lab2.__new__(Lab2)
    Lab2.__init__(lab, shared_dir / "arrays")
    lab.storage = storage
    svol = split_svol(lab)
    data = lab.path(svol)
    (data / "docs" / "readme.txt").chmod(0o640)
    (data / "top.txt").chmod(0o604)
    (data / "docs").chmod(0o2775)
    if os.geteuid() == 0:  # the writer is the volume's owner, not root
        for path in [data, *data.rglob("*")]:
            os.lchown(path, NOBODY, NOBODY)
    modes = {p: stat.S_IMODE(p.lstat().st_mode) for p in [data, *data.rglob("*")]}
    point = shared_dir / "vg01"
    storage.mount(svol, point)
    info = storage.read_only_guard(svol)
    assert info.guard == "modes"
    assert all(not p.lstat().st_mode & 0o222 for p in [data, *data.rglob("*")])
    ran = as_other_user(f"echo x >> '{point / 'top.txt'}'")
    assert ran.returncode != 0 and "Permission denied" in ran.stderr
    ran = as_other_user(f"touch '{point / 'new.txt'}'")
    assert ran.returncode != 0 and "Permission denied" in ran.stderr
    assert not storage.unmount(point)
    assert {p: stat.S_IMODE(p.lstat().st_mode) for p in [data, *data.rglob("*")]} == modes
    ran = as_other_user(f"touch '{data / 'new.txt'}'")
    assert ran.returncode == 0, ran.stderr  # the owner writes its own volume again


def test_an_unmount_finds_a_rewrite_that_kept_size_and_mtime(tmp_path):
    storage = SimulatedStorage(tmp_path / "arrays", read_only_guard="none")
    lab = Lab2.__new__(Lab2)
    Lab2.__init__(lab, tmp_path / "arrays")
    svol = split_svol(lab)
    point = tmp_path / "vg01"
    storage.mount(svol, point)
    target = point / "docs" / "readme.txt"
    kept = target.stat()
    target.write_bytes(b"HELLO")  # same size
    os.utime(target, ns=(kept.st_atime_ns, kept.st_mtime_ns))  # mtime put back
    changes = storage.unmount(point)
    assert changes.paths == ("docs/readme.txt (modified)",) and changes.total == 1


def test_a_crash_between_mount_and_unmount_leaves_a_guard_the_next_mount_finishes(tmp_path):
    lab = Lab2(tmp_path / "arrays")
    svol = split_svol(lab)
    point = tmp_path / "vg01"
    lab.storage.mount(svol, point)
    point.unlink()  # the link went (by hand, or a crash) but the guard stayed
    again = SimulatedStorage(tmp_path / "arrays")  # another process
    assert again.mount(svol, tmp_path / "vg01b") is True
    assert len(mounts_under(tmp_path)) <= 1  # never two guards stacked
    again.unmount(tmp_path / "vg01b")
    assert mounts_under(tmp_path) == []
