"""Workspace store: migrations, concurrent writers, busy handling, references."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from clinsum.errors import InputError, NotFound, WorkspaceBusy
from clinsum.references import add_reference, latest_reference, list_references
from clinsum.store import Store, migrate

INSERT = ("INSERT INTO records (id, source, language, title, text, content_hash)"
          " VALUES (?, 'test', 'es', ?, ?, ?)")


def test_new_workspace_has_every_migration(store: Store) -> None:
    assert store.pending_migrations() == []
    assert store.schema_version() == len(migrate.known_migrations())
    assert set(store.counts()) >= {"records", "reference_summaries", "generations", "metrics"}


def test_older_workspace_is_upgraded_and_keeps_its_data(tmp_path, monkeypatch) -> None:
    every = migrate.known_migrations()
    monkeypatch.setattr(migrate, "known_migrations", lambda: every[:1])
    monkeypatch.setattr("clinsum.store.known_migrations", lambda: every[:1])
    old = Store.open(tmp_path / "ws")
    old.execute(INSERT, ["r1", "t", "texto antiguo", "h1"])
    assert old.schema_version() == 1
    monkeypatch.undo()
    upgraded = Store.open(tmp_path / "ws")
    assert upgraded.schema_version() == len(every)
    assert upgraded.scalar("SELECT text FROM records WHERE id = 'r1'") == "texto antiguo"


def test_transaction_rolls_back_everything_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute(INSERT, ["a", "t", "x", "ha"])
        raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM records") == 0


def test_threads_writing_at_once_lose_nothing(store: Store) -> None:
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for i in range(40):
                store.execute(INSERT, [f"{prefix}{i}", "t", f"{prefix} {i}", f"{prefix}-{i}"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.scalar("SELECT count(*) FROM records") == 160


WRITER = """
import sys
from clinsum.store import Store
store = Store(sys.argv[1])
prefix = sys.argv[2]
for i in range(60):
    store.execute("INSERT INTO records (id, source, language, title, text, content_hash)"
                  " VALUES (?, 'p', 'es', 't', ?, ?)", [f"{prefix}{i}", f"{prefix} {i}", f"{prefix}-{i}"])
    if i % 10 == 0:
        store.scalar("SELECT count(*) FROM records")
print("ok")
"""


def test_two_processes_and_a_reader_share_the_workspace(store: Store) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(store.root), p],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for p in ("x", "y")
    ]
    seen = []
    while any(p.poll() is None for p in procs):
        seen.append(store.scalar("SELECT count(*) FROM records"))
        time.sleep(0.02)
    outputs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("Error" not in err for _, err in outputs), outputs
    assert store.scalar("SELECT count(*) FROM records") == 120
    assert seen == sorted(seen)  # the reader saw a consistent, growing table


def test_a_lock_held_too_long_gives_a_clear_busy_error(store: Store) -> None:
    impatient = Store(store.root, busy_timeout=0.3)
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with Store(store.root).connect():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    try:
        with pytest.raises(WorkspaceBusy) as info:
            impatient.scalar("SELECT 1")
        assert "busy" in info.value.message
    finally:
        release.set()
        thread.join()
    assert impatient.scalar("SELECT 1") == 1


def test_reference_versions_keep_the_original(store: Store) -> None:
    store.execute(INSERT, ["r1", "t", "texto", "h1"])
    first = add_reference(store, "r1", "Resumen inicial.", author="gpt", status="draft")
    second = add_reference(store, "r1", "Resumen corregido.", author="dra. ana", status="edited",
                           parent_id=first)
    versions = list_references(store, "r1")
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["text"] == "Resumen inicial."
    assert latest_reference(store, "r1")["id"] == second
    assert latest_reference(store, "r1", statuses=("draft",))["id"] == first
    with pytest.raises(InputError):
        add_reference(store, "r1", "   ")
    with pytest.raises(NotFound):
        add_reference(store, "nope", "x")


# -- readers and writers, chunked writes, damaged files (issue 11) -------------------------------
READER = """
import sys, threading, time
from clinsum.store import Store
store = Store(sys.argv[1])
seconds = float(sys.argv[2])
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1

def hold(offset):
    time.sleep(offset)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with store.connect(read_only=True) as con:
            con.execute("SELECT count(*) FROM records").fetchall()
            if threads == 1:
                print("holding", flush=True)
            time.sleep(0.15)

workers = [threading.Thread(target=hold, args=(i * 0.05,)) for i in range(threads)]
for w in workers:
    w.start()
print("holding", flush=True)
for w in workers:
    w.join()
"""


def _reader_process(store: Store, tmp_path, seconds: float, threads: int = 1) -> subprocess.Popen:
    out = tmp_path / f"reader-{threads}.log"
    proc = subprocess.Popen([sys.executable, "-c", READER, str(store.root), str(seconds), str(threads)],
                            stdout=open(out, "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
    deadline = time.monotonic() + 30
    while "holding" not in out.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
        time.sleep(0.02)
    return proc


def test_readers_do_not_block_readers_across_processes(store: Store, tmp_path) -> None:
    """A SQL query or a page read in one process must not make reads elsewhere wait (the
    read-only box used to take the exclusive lock: an autosave waited 58.7 s)."""
    store.execute(INSERT, ["r1", "t", "texto", "h1"])
    proc = _reader_process(store, tmp_path, seconds=4.0)
    try:
        impatient = Store(store.root, busy_timeout=0.5)
        for _ in range(5):  # each read lands while the other process holds its shared lock
            assert impatient.scalar("SELECT count(*) FROM records") == 1
            assert impatient.fetch_one("SELECT id FROM records")["id"] == "r1"
    finally:
        proc.wait(30)


def test_a_stream_of_overlapping_readers_does_not_starve_a_writer(store: Store, tmp_path) -> None:
    proc = _reader_process(store, tmp_path, seconds=6.0, threads=3)  # shared lock never free
    try:
        writer = Store(store.root, busy_timeout=3.0)
        writer.execute(INSERT, ["w1", "t", "escrito", "hw"])
        assert proc.poll() is None  # the readers were still going: the writer got in between
    finally:
        proc.wait(30)
    assert store.scalar("SELECT count(*) FROM records") == 1


def test_threads_reading_share_the_lock(store: Store) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.connect(read_only=True):
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    try:
        assert Store(store.root, busy_timeout=0.3).scalar("SELECT 41 + 1") == 42
        with pytest.raises(WorkspaceBusy):  # a writer waits for the reader, as DuckDB requires
            Store(store.root, busy_timeout=0.3).execute(INSERT, ["x", "t", "x", "hx"])
    finally:
        release.set()
        thread.join()


def test_write_chunks_commits_in_chunks_and_lets_others_in(store: Store) -> None:
    rows = [[f"c{i}", "t", f"texto {i}", f"hc{i}"] for i in range(1000)]
    others: list[int] = []

    def between(written: int) -> None:  # another writer must get the lock between two chunks
        result: list[BaseException] = []

        def write() -> None:
            try:
                Store(store.root, busy_timeout=0.5).execute(INSERT, [f"o{written}", "t", "o", f"ho{written}"])
            except BaseException as exc:  # noqa: BLE001
                result.append(exc)

        thread = threading.Thread(target=write)
        thread.start()
        thread.join()
        assert result == []
        others.append(written)

    assert store.write_chunks(INSERT, rows, chunk_rows=200, on_chunk=between) == 1000
    assert others == [200, 400, 600, 800, 1000]
    assert store.scalar("SELECT count(*) FROM records WHERE id LIKE 'c%'") == 1000
    # a failing chunk keeps the chunks committed before it
    bad = [[f"d{i}", "t", f"otro {i}", "hc5" if i == 250 else f"hd{i}"] for i in range(400)]
    import duckdb

    with pytest.raises(duckdb.ConstraintException):
        store.write_chunks(INSERT, bad, chunk_rows=100)
    assert store.scalar("SELECT count(*) FROM records WHERE id LIKE 'd%'") == 200


def test_lock_waits_are_measured(store: Store) -> None:
    from clinsum.store import lock_stats, reset_lock_stats

    reset_lock_stats()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.connect():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    threading.Timer(0.3, release.set).start()
    store.scalar("SELECT 1")
    thread.join()
    stats = lock_stats()
    assert stats["longest_wait_s"] >= 0.25 and stats["longest_wait_mode"] == "read"
    assert stats["longest_hold_s"] >= 0.25 and stats["longest_hold_mode"] == "write"


@pytest.mark.parametrize("content", [b"", b"garbage" * 5000, "truncated"])
def test_a_damaged_database_is_a_clear_error(tmp_path, capsys, content) -> None:
    from clinsum.cli import main
    from clinsum.store import DB_NAME, WorkspaceDamaged

    root = tmp_path / "ws"
    if content == "truncated":
        good = Store.open(root)
        good.write_chunks(INSERT, [[f"r{i}", "t", "x" * 500 + str(i), f"h{i}"] for i in range(2000)])
        data = (root / DB_NAME).read_bytes()
        (root / DB_NAME).write_bytes(data[: 12288] + b"\x00" * 8192 + data[20480: len(data) // 2])
    else:
        root.mkdir()
        (root / DB_NAME).write_bytes(content)
    with pytest.raises(WorkspaceDamaged) as info:
        store = Store.open(root)
        store.scalar("SELECT count(*) FROM records")
        store.fetch_dicts("SELECT * FROM records")
    assert "damaged" in info.value.message and info.value.hint and info.value.exit_code == 3
    capsys.readouterr()
    assert main(["-w", str(root), "jobs", "list"]) == 3
    err = capsys.readouterr().err
    assert "damaged" in err and "hint:" in err and "Traceback" not in err and "bug" not in err


def test_a_stream_of_writers_does_not_starve_readers(store: Store) -> None:
    """Two annotators autosaving without pause must not keep a page's reads waiting."""
    stop = threading.Event()

    def writer(prefix: str) -> None:
        i = 0
        while not stop.is_set():
            store.execute(INSERT, [f"{prefix}{i}", "t", f"{prefix} {i}", f"{prefix}-{i}"])
            i += 1

    threads = [threading.Thread(target=writer, args=(p,)) for p in "ab"]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        reader = Store(store.root, busy_timeout=3.0)
        for _ in range(3):
            assert reader.scalar("SELECT count(*) FROM records") >= 0
    finally:
        stop.set()
        for thread in threads:
            thread.join()
