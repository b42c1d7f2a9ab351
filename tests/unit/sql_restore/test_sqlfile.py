"""EX_DRM_SQLFILE_PACK and _EXTRACT: the metafiles of a registered directory go into the
operation's temporary directory and back out where a restore reads them (only the latest
packed backup's); the host records each copy with its hash; paths stay in the data directory."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from services.cli.errors import CliError
from services.cli.extended import sqlfile

ID = "0000000004"


class Agent:
    def __init__(self, entry: dict) -> None:
        self.entry, self.sent = entry, []

    def ask(self, command):
        self.sent.append(command)
        if command.name == "ListSqlCatalog":
            return SimpleNamespace(result={"instance": "default", "entries": [self.entry]})
        return SimpleNamespace(to_wire=lambda: {"recorded": command.direction})


def operation(temp: Path, role: str = "DB") -> SimpleNamespace:
    return SimpleNamespace(operation_id="Op_A", role=role, temp_dir=temp,
                           read_backup_id=lambda: ID,
                           definition=SimpleNamespace(backup_object="MSSQL",
                                                      instance_name="default"))


@pytest.fixture
def metafile(tmp_path, monkeypatch):
    monkeypatch.setenv("DRM_DATA_DIR", str(tmp_path))
    meta = tmp_path / "meta" / "0000000004_0000000005.dmp"
    meta.parent.mkdir()
    meta.write_bytes(b"vdi metafile")
    return meta


def entry(path: Path) -> dict:
    return {"backup_id": ID, "original_id": "0000000001", "rows": [
        {"kind": "M", "database": "UserDB1", "file": str(path)},
        {"kind": "M", "database": "UserDB2", "file": "/p/META_0000000006.dmp"},  # on a P-VOL
        {"kind": "D", "database": "UserDB1", "file": "/p/UserDB1.mdf"}]}


def test_pack_then_extract_on_a_backup_server(tmp_path, metafile):
    temp = tmp_path / "ftp" / "script" / "Op_A" / "BK"
    agent = Agent(entry(metafile))
    packed = sqlfile.sqlfile_pack(None, operation(temp), agent)
    assert packed.data["packed"] == [str(temp / "0000000004_0000000005.dmp")]
    (temp / "0000000002_0000000005.dmp").write_bytes(b"an older one")
    extracted = sqlfile.sqlfile_extract(None, operation(temp, role="BK"), agent)
    deployed = Path(extracted.data["deployed"][0])
    assert deployed == tmp_path / "ftp" / "script" / "Op_A" / "AP" / "0000000001_0000000005.dmp"
    assert deployed.read_bytes() == b"vdi metafile"
    recorded = [c for c in agent.sent if c.name == "RecordSqlMetafiles"]
    assert [c.direction for c in recorded] == ["pack", "extract"]
    assert recorded[0].files[0].size == len(b"vdi metafile")


def test_extract_on_a_database_server_puts_the_file_where_the_catalog_says(tmp_path,
                                                                           metafile):
    temp = tmp_path / "work" / "Op_A" / "DB"
    temp.mkdir(parents=True)
    (temp / "0000000004_0000000005.dmp").write_bytes(b"carried")
    metafile.unlink()
    sqlfile.sqlfile_extract(None, operation(temp), Agent(entry(metafile)))
    assert metafile.read_bytes() == b"carried"


def test_a_metafile_outside_the_data_directory_is_refused(tmp_path, metafile):
    with pytest.raises(CliError, match="outside|not inside|root"):
        sqlfile.sqlfile_pack(None, operation(tmp_path / "t"),
                             Agent(entry(Path("/etc/0000000004_0000000005.dmp"))))


def test_a_packed_metafile_that_is_a_symlink_out_of_the_data_directory_is_refused(
        tmp_path, metafile):
    """Hostile finding: the packed file read by EXTRACT was never confined, so a symlink
    named like a packed metafile deployed any readable file of the host."""
    outside = tmp_path.parent / f"{tmp_path.name}-secret"
    outside.write_bytes(b"not yours")
    temp = tmp_path / "work" / "Op_A" / "DB"
    temp.mkdir(parents=True)
    (temp / "0000000004_0000000005.dmp").symlink_to(outside)
    metafile.unlink()
    with pytest.raises(CliError, match="outside"):
        sqlfile.sqlfile_extract(None, operation(temp), Agent(entry(metafile)))
    assert not metafile.exists()


def test_a_symlink_named_like_a_packed_metafile_is_not_carried(tmp_path):
    (tmp_path / "0000000004_0000000005.dmp").write_bytes(b"packed")
    (tmp_path / "0000000004_0000000006.dmp").symlink_to(tmp_path / "0000000004_0000000005.dmp")
    assert [p.name for p in sqlfile.packed_metafiles(tmp_path)] == ["0000000004_0000000005.dmp"]
