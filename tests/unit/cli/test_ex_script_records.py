"""``drm_script.log`` records of a user script's commands run by ``EX_DRM_FS_BACKUP``."""
from __future__ import annotations

from services.cli.entries import Shown
from services.cli.extended.filesystem import script_records


def test_each_script_command_gives_a_start_record_and_an_end_record_error_when_not_zero():
    result = {"backup_id": "0000000001", "script": {
        "pre": {"name": "PRE_PROC", "commands": [
            {"host": "LOCAL", "cmdline": "/opt/app/stop.sh", "return_code": 0}]},
        "post": {"name": "POST_PROC", "commands": [
            {"host": "BKServer", "cmdline": "/opt/app/tape.sh", "return_code": 3}]}}}
    records = script_records(Shown([], {"backup": {"payload": {"result": result}}}))
    assert [kind for kind, _ in records] == ["INFO", "INFO", "INFO", "ERROR"]
    assert records[0][1].startswith("KAVX0263-I") and records[0][1].endswith(
        "Host name = LOCAL Command line = /opt/app/stop.sh")
    assert records[3][1].endswith("End code = 3")
    assert script_records(Shown([], {"backup": {"payload": {"result": {}}}})) == []
