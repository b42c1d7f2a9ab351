"""``adapters.ftp`` against a real FTP server (pyftpdlib, in this process): binary round trip
with the SHA-256 of what moved, directories made on the way, errors that name the step and
never the password, and a failed fetch that leaves no partial file."""
from __future__ import annotations

import hashlib

import pytest

from adapters.ftp import FtpClient, FtpError
from tests.ftp_server import ftp_server

SECRET = "s3cret-Pa55"


@pytest.fixture
def server(tmp_path):
    with ftp_server(tmp_path / "root", "admin", SECRET) as address:
        host, port = address.split(":")
        yield tmp_path / "root", host, int(port)


def test_put_then_get_moves_the_bytes_exactly(server, tmp_path):
    root, host, port = server
    data = bytes(range(256)) * 5000 + b"\r\n\x00end"
    local = tmp_path / "Operation_A.drm"
    local.write_bytes(data)
    client = FtpClient(host, port, "admin", SECRET)
    sent = client.put(local, "script/Operation_A/BK/Operation_A.drm")
    assert (root / "script" / "Operation_A" / "BK" / "Operation_A.drm").read_bytes() == data
    assert sent.bytes == len(data) and sent.sha256 == hashlib.sha256(data).hexdigest()
    back = tmp_path / "back.drm"
    fetched = client.get("script/Operation_A/BK/Operation_A.drm", back)
    assert back.read_bytes() == data and fetched == sent


def test_a_wrong_password_is_an_error_that_does_not_show_the_password(server, tmp_path):
    _, host, port = server
    local = tmp_path / "x.drm"
    local.write_bytes(b"x")
    with pytest.raises(FtpError) as error:
        FtpClient(host, port, "admin", "wrong-" + SECRET).put(local, "x.drm")
    assert "cannot log on" in str(error.value) and SECRET not in str(error.value)


def test_a_missing_remote_file_leaves_no_partial_local_file(server, tmp_path):
    _, host, port = server
    target = tmp_path / "fetched.drm"
    with pytest.raises(FtpError, match="cannot fetch"):
        FtpClient(host, port, "admin", SECRET).get("script/none.drm", target)
    assert list(tmp_path.glob("*fetched*")) == []


def test_no_server_listening_is_an_error(tmp_path):
    local = tmp_path / "x.drm"
    local.write_bytes(b"x")
    with pytest.raises(FtpError, match="cannot log on"):
        FtpClient("127.0.0.1", 1, "admin", SECRET, timeout=2).put(local, "x.drm")


def test_a_file_beyond_the_hash_limit_is_moved_whole_and_recorded_by_size(server, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr("adapters.ftp.HASH_LIMIT", 1 << 20)
    _, host, port = server
    local = tmp_path / "big.drm"
    local.write_bytes(b"z" * (3 << 20))
    moved = FtpClient(host, port, "admin", SECRET).put(local, "big.drm")
    assert moved.bytes == 3 << 20 and moved.sha256 is None
    small = tmp_path / "small.drm"
    small.write_bytes(b"z" * 10)
    assert FtpClient(host, port, "admin", SECRET).put(small, "s.drm").sha256 == \
        hashlib.sha256(b"z" * 10).hexdigest()


def test_names_lists_a_directory_by_file_name_and_an_absent_one_as_empty(server):
    root, host, port = server
    folder = root / "script" / "Operation_A" / "BK"
    folder.mkdir(parents=True)
    for name in ("Operation_A.drm", "0000000003_0000000005.dmp", "0000000003_0000000006.dmp"):
        (folder / name).write_bytes(b"x")
    client = FtpClient(host, port, "admin", SECRET)
    assert client.names("script/Operation_A/BK") == [
        "0000000003_0000000005.dmp", "0000000003_0000000006.dmp", "Operation_A.drm"]
    assert client.names("script/nothing/here") == []
