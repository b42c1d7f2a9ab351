"""Snapshots through the CLI (embedded agents): recorded on the host's stream, the history
still verifies, and a spoiled snapshot file is ignored with a line on stderr."""
from __future__ import annotations

import json

from tests.e2e.conftest import Cli, clean_env


def test_snapshots_are_recorded_verified_and_a_spoiled_one_is_ignored(tmp_path):
    data = tmp_path / "data"
    cli = Cli(clean_env(DRM_DATA_DIR=str(data), DRM_HOSTNAME="FSServer",
                        DRM_SNAPSHOT_EVERY="3"))
    for _ in range(4):
        cli.run("hostinfo", check=True)
    events = [json.loads(line) for line in cli.run("log", "--json", check=True).stdout.splitlines()]
    assert [e["type"] for e in events] == ["CommandCompleted"] * 3 + [
        "HostViewSnapshotted", "CommandCompleted"]
    assert events[3]["payload"]["covers_seq"] == 3
    snapshot = data / "hosts" / "FSServer" / "snapshots" / f"view-{3:020d}.json"
    assert snapshot.stat().st_size == events[3]["payload"]["size_bytes"]
    assert "chain intact" in cli.run("verify", check=True).stdout
    spoiled = bytearray(snapshot.read_bytes())
    spoiled[-2] ^= 1
    snapshot.write_bytes(bytes(spoiled))
    result = cli.run("hostinfo", check=True)
    assert "view-00000000000000000003.json of host FSServer ignored: its content's SHA-256" \
        in result.stderr
    assert "chain intact" in cli.run("verify", check=True).stdout
