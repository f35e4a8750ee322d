"""One workspace connection per page rerun (``Store.shared_connection``): reads share it,
writes and model calls close it first, and nothing is held once the block ends."""

from __future__ import annotations

import threading

import duckdb
import pytest

import clinsum.store as store_module
from clinsum.backends.base import Backend, GenerationResult
from clinsum.generation import summarize
from clinsum.store import Store


@pytest.fixture
def opens(monkeypatch) -> list[bool]:
    """Every ``duckdb.connect`` the store makes, as its read_only flag."""
    made: list[bool] = []
    real = duckdb.connect

    def counting(path, read_only=False, **kw):
        made.append(read_only)
        return real(path, read_only=read_only, **kw)

    monkeypatch.setattr(store_module.duckdb, "connect", counting)
    return made


def test_reads_in_a_shared_block_open_the_database_once(store: Store, opens) -> None:
    store.execute("CREATE TABLE t (x INTEGER)")
    store.execute("INSERT INTO t VALUES (1), (2)")
    opens.clear()
    with store.shared_connection():
        assert store.scalar("SELECT count(*) FROM t") == 2
        assert store.fetch_dicts("SELECT x FROM t ORDER BY x") == [{"x": 1}, {"x": 2}]
        assert Store(store.root).fetch_one("SELECT max(x) AS m FROM t") == {"m": 2}  # another object
        assert len(store.fetch_df("SELECT * FROM t")) == 2
    assert opens == [True]
    assert store.scalar("SELECT count(*) FROM t") == 2  # after the block: one open per query again
    assert opens == [True, True]


def test_a_write_in_a_shared_block_closes_the_reader_first(store: Store, opens) -> None:
    store.execute("CREATE TABLE t (x INTEGER)")
    opens.clear()
    with store.shared_connection():
        assert store.scalar("SELECT count(*) FROM t") == 0
        store.execute("INSERT INTO t VALUES (7)")  # would fail on the read-only connection
        with store.transaction() as con:
            con.execute("INSERT INTO t VALUES (8)")
        assert store.scalar("SELECT sum(x) FROM t") == 15  # a new reader sees both writes
    assert opens == [True, False, False, True]


def test_another_thread_writes_once_the_block_ends_or_during_a_released_step(store: Store) -> None:
    store.execute("CREATE TABLE t (x INTEGER)")
    done = threading.Event()

    def writer() -> None:
        Store(store.root).execute("INSERT INTO t VALUES (1)")
        done.set()

    with store.shared_connection():
        store.scalar("SELECT count(*) FROM t")
        assert store._local.held is not None  # the reader is kept open between queries
        with store.released():
            assert store._local.held is None
            thread = threading.Thread(target=writer)
            thread.start()
            thread.join()  # the lock is free: the writer is not kept waiting
        assert done.is_set() and store.scalar("SELECT count(*) FROM t") == 1
        assert store._local.held is not None  # sharing resumed
    assert store._local.held is None and store._local.con is None


class LockProbe(Backend):
    """A model call that says whether the calling thread holds a workspace connection."""

    name = "probe"
    seen: list[bool] = []

    def generate(self, messages, options) -> GenerationResult:
        state = store_module._thread_states.__dict__.get("by_root", {})
        LockProbe.seen.append(any(s.con is not None for s in state.values()))
        return GenerationResult("ok", "ok", self.name, self.model)


def test_no_connection_is_held_across_a_model_call(demo_store: Store) -> None:
    LockProbe.seen = []
    with demo_store.shared_connection():
        demo_store.scalar("SELECT count(*) FROM records")
        assert demo_store._local.held is not None
        for strategy in ("template", "by_parts"):  # one call, then calls in parallel + a merge
            summarize(demo_store, "es02_neumologia_epoc", LockProbe("m"), strategy=strategy)
    assert LockProbe.seen and not any(LockProbe.seen)
