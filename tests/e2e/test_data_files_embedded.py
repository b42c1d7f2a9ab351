"""``drmdbsetup -i`` and ``drmfsdisplay -v`` through the real console commands."""
from __future__ import annotations

import json
from pathlib import Path


def test_dbsetup_creates_the_store_records_it_and_fsdisplay_v_shows_where(embedded_cli):
    data = Path(embedded_cli.env["DRM_DATA_DIR"])
    setup = embedded_cli.run("-i", program="drmdbsetup", check=True)
    assert setup.stdout == "All data files were created.\n"
    assert (data / "hosts" / "FSServer" / "events.db").is_file()
    log = embedded_cli.run("log", "--json", check=True)
    assert json.loads(log.stdout)["payload"]["command"] == "SetUpDataFiles"
    display = embedded_cli.run("-v", program="drmfsdisplay", check=True)
    assert f"DB_PATH: {(data / 'hosts' / 'FSServer').resolve()}" in display.stdout.splitlines()
    assert "DRMX1019-W The dictionary maps are empty" in display.stdout
