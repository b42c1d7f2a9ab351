"""The file parsers of the simulated instance (data files, log files, log backups, VDI
metafiles) read what lies on a volume: any bytes give a clear refusal, never a crash."""
from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sqlserver import pages
from services.agent.application_port import ApplicationError, Metadata
from tests.fuzzing import EXTREME_INTS, EXTREME_TEXT, examples

JSONISH = st.recursive(st.one_of(st.none(), st.booleans(), EXTREME_INTS, EXTREME_TEXT),
                       lambda inner: st.one_of(st.lists(inner, max_size=3),
                                               st.dictionaries(EXTREME_TEXT, inner, max_size=3)),
                       max_leaves=10)
METAFILES = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda v: json.dumps(v).encode(), JSONISH),
    st.builds(lambda lsn, files, rows: json.dumps(
        {"format": "simvdi-1", "database": "DB1", "database_id": 5, "lsn": lsn,
         "next_row": rows, "files": files, "recovery_model": "FULL", "system": False}).encode(),
        st.one_of(EXTREME_INTS, EXTREME_TEXT), JSONISH, st.one_of(EXTREME_INTS, EXTREME_TEXT)),
)


@settings(max_examples=examples(200), deadline=None)
@given(raw=st.binary(max_size=400), prefix=st.sampled_from([b"", pages.DATA_MAGIC,
                                                             pages.LOG_MAGIC,
                                                             pages.BACKUP_MAGIC + b" "]))
def test_any_bytes_in_a_data_log_or_backup_file_are_refused_cleanly(raw, prefix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f"
        path.write_bytes(prefix + raw)
        assert isinstance(pages.data_problems(path), list)
        for read in (pages.read_log, pages.read_data_header,
                     lambda p: pages.read_log_backup(p.read_bytes(), "f")):
            try:
                read(path)
            except pages.PageError:
                pass
        assert isinstance(pages.copy_problems([path], path), list)


@settings(max_examples=examples(200), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=METAFILES)
def test_any_metafile_is_refused_cleanly_and_changes_nothing(lab, raw):
    lab.engine.set_offline("default", "DB1") if lab.engine.databases("default")[-1].state \
        == "ONLINE" else None
    path = lab.root / "meta.dmp"
    path.write_bytes(raw)
    metadata = Metadata(database="DB1", path=str(path), size=len(raw),
                        sha256=hashlib.sha256(raw).hexdigest())
    try:
        lab.engine.restored("default", ["DB1"], [metadata], standby=False)
    except ApplicationError:
        pass
    assert lab.engine.databases("default")[-1].state == "OFFLINE"
