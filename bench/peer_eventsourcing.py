"""The peer: the same append/read work done by the ``eventsourcing`` library (installed only
for benchmarks, ``pip install -e '.[bench]'``): domain events mapped to stored events by its JSON
mapper, inserted by its application recorder, selected and mapped back."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex


class HostStream(Aggregate):
    class Completed(Aggregate.Event):
        command: str
        result: dict


def _mapper() -> Mapper:
    transcoder = JSONTranscoder()
    transcoder.register(DatetimeAsISO())
    transcoder.register(UUIDAsHex())
    return Mapper(transcoder=transcoder)


def sqlite_recorder(path: str):
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    recorder = SQLiteApplicationRecorder(SQLiteDatastore(path))
    recorder.create_table()
    return recorder


def postgres_recorder(dbname: str, host: str, port: int, user: str, password: str):
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    datastore = PostgresDatastore(dbname, host, port, user, password, pool_size=2)
    recorder = PostgresApplicationRecorder(datastore)
    recorder.create_table()
    return recorder


def run(recorder, total: int, batch: int) -> tuple[float, float]:
    """Append ``total`` events in batches, then read them back; return (append s, read s)."""
    mapper = _mapper()
    originator = uuid.uuid4()
    version = 0
    started = time.perf_counter()
    for _ in range(total // batch):
        stored = []
        for index in range(batch):
            version += 1
            event = HostStream.Completed(originator_id=originator, originator_version=version,
                                         timestamp=datetime.now(timezone.utc),
                                         command="Bench", result={"n": index})
            stored.append(mapper.to_stored_event(event))
        recorder.insert_events(stored)
    appended = time.perf_counter()
    events = [mapper.to_domain_event(s) for s in recorder.select_events(originator)]
    finished = time.perf_counter()
    assert len(events) == total, len(events)
    return appended - started, finished - appended
