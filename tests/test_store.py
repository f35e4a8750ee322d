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
