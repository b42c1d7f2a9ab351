"""The per-pair baseline store: full file plus appended deltas, torn lines, compaction."""
from adapters.storage.baseline import BaselineStore


def _table(n, start=0):
    return {f"f{i}": [i, 1000 + i, 7000 + i] for i in range(start, start + n)}


def test_save_appends_only_the_difference_and_load_replays_it(tmp_path):
    store = BaselineStore(tmp_path)
    first = {"1:1": _table(200), "1:2": _table(200)}
    store.save("p", first)
    full_size = (tmp_path / "p.base.json").stat().st_size
    previous = store.load("p")
    second = {"1:1": {**_table(199), "new": [1, 2, 3]}, "1:2": {**_table(199), "new": [1, 2, 4]}}
    store.save("p", second, previous)
    assert (tmp_path / "p.base.json").stat().st_size == full_size  # not rewritten
    logs = list(tmp_path.glob("p.base.*.log"))
    assert len(logs) == 1 and logs[0].stat().st_size < 200
    assert store.load("p") == second


def test_a_torn_line_is_ignored_and_forces_a_full_rewrite(tmp_path):
    store = BaselineStore(tmp_path)
    store.save("p", {"1:1": _table(100)})
    previous = store.load("p")
    store.save("p", {"1:1": _table(101)}, previous)
    log = next(tmp_path.glob("p.base.*.log"))
    with open(log, "ab") as handle:
        handle.write(b'{"set":{"1:1":{"f5":[9')  # a crash in the middle of an append
    loaded = store.load("p")
    assert loaded == {"1:1": _table(101)}  # the torn line only loses information
    store.save("p", {"1:1": _table(102)}, loaded)
    assert not log.exists() and store.load("p") == {"1:1": _table(102)}


def test_old_generation_logs_are_never_replayed(tmp_path):
    store = BaselineStore(tmp_path)
    store.save("p", {"1:1": _table(10)})
    gen = store.load("p").gen
    (tmp_path / f"p.base.{gen + 1}.log").write_text('{"set":{"1:1":{"f1":[0,0,0]}},"del":{}}\n')
    store.save("p", {"1:1": _table(5)})  # a full write: gen + 1, which must start empty
    assert store.load("p") == {"1:1": _table(5)}


def test_drop_removes_everything(tmp_path):
    store = BaselineStore(tmp_path)
    store.save("p", {"1:1": _table(3)})
    store.save("p", {"1:1": _table(4)}, store.load("p"))
    store.drop("p")
    assert list(tmp_path.iterdir()) == [] and store.load("p") == {}
