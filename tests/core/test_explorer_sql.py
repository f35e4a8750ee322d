"""The read-only SQL box and exports: writes refused, data unchanged, files round-trip."""

from __future__ import annotations

import pandas as pd
import pytest

from clinsum import explorer as ex
from clinsum.errors import InputError
from clinsum.store import Store
from tests.fakes.explorer_data import build


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Store:
    return build(Store.open(tmp_path_factory.mktemp("sql") / "ws"), with_ratings=False)


REFUSED = [
    "INSERT INTO records (id, source, text, content_hash) VALUES ('x', 'y', 'z', 'w')",
    "UPDATE metrics SET value = 0",
    "DELETE FROM generations",
    "DROP TABLE metrics",
    "CREATE TABLE t AS SELECT 1",
    "COPY metrics TO '{tmp}/out.csv'",
    "ATTACH '{tmp}/other.duckdb' AS other",
    "SELECT 1; DELETE FROM generations",
    "SELECT 1; SELECT 2",
    "PRAGMA database_list",
    "SET threads = 1",
    "INSTALL httpfs",
    "LOAD httpfs",
    "CALL pragma_version()",
    "EXPLAIN SELECT 1",
    "WITH a AS (SELECT 1) INSERT INTO records SELECT * FROM records",
    "ALTER TABLE metrics ADD COLUMN x INT",
    "EXPORT DATABASE '{tmp}/dump'",
    "",
    "   ;  ",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_refuses_anything_but_one_select(ws, tmp_path, sql):
    before = ws.counts()
    with pytest.raises(InputError):
        ex.run_sql(ws, sql.format(tmp=tmp_path))
    assert ws.counts() == before
    assert not list(tmp_path.iterdir())  # nothing written outside either


def test_reading_files_from_disk_is_off(ws, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(InputError, match="failed"):
        ex.run_sql(ws, f"SELECT * FROM read_csv('{secret}')")
    with pytest.raises(InputError):
        ex.run_sql(ws, f"SELECT * FROM '{secret}'")


def test_syntax_error_is_clear(ws):
    with pytest.raises(InputError, match="not valid SQL|failed"):
        ex.run_sql(ws, "SELEC * FROM metrics")
    with pytest.raises(InputError, match="failed"):
        ex.run_sql(ws, "SELECT * FROM no_such_table")


def test_selects_work_and_are_bounded(ws):
    res = ex.run_sql(ws, "SELECT name, avg(value) AS mean FROM metrics WHERE target_kind = 'generation'"
                         " AND metric_version = '2' GROUP BY name ORDER BY name;")
    assert list(res.df.columns) == ["name", "mean"] and not res.truncated
    assert res.df.set_index("name").loc["rouge1_f", "mean"] == pytest.approx((0.2 + 0.4 + 0.6 + 0.8 + 0.5 + 0.3 + 1.0) / 7)
    big = ex.run_sql(ws, "SELECT * FROM range(100)", max_rows=10)
    assert len(big.df) == 10 and big.truncated
    for ok in ("WITH x AS (SELECT 1 AS a) SELECT * FROM x", "FROM generations", "DESCRIBE metrics",
               "SHOW TABLES", "VALUES (1), (2)"):
        assert isinstance(ex.run_sql(ws, ok).df, pd.DataFrame)


def test_long_query_is_interrupted(ws):
    with pytest.raises(InputError, match="longer than"):
        ex.run_sql(ws, "SELECT count(*) FROM range(100000000000) a", timeout_s=0.3)


def test_store_still_writable_after_sql_box(ws):
    ex.run_sql(ws, "SELECT 1")
    ws.execute("CREATE TEMP TABLE IF NOT EXISTS scratch AS SELECT 1 AS a")  # fresh connection, not locked


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trip(ws, tmp_path, fmt):
    view = ex.summary(ws, "model", ["rouge1_f", "bleu"])
    path = ex.export(view, tmp_path / f"view.{fmt}")
    back = ex.read_export(path)
    assert list(back.columns) == list(view.columns)
    pd.testing.assert_frame_equal(back.reset_index(drop=True), view.reset_index(drop=True),
                                  check_dtype=False)
    assert ex.export_bytes(view, fmt) == path.read_bytes()
    with pytest.raises(InputError):
        ex.export_bytes(view, "xlsx")


# -- issue 11: the SQL box reads a snapshot, never the lock writers need; size limits -----------
def test_a_long_query_does_not_make_writers_wait(tmp_path):
    """Three 30-second SQL-console queries made an annotation autosave wait 58.7 s."""
    import threading

    store = Store.open(tmp_path / "ws")
    started, outcome = threading.Event(), {}

    def long_query() -> None:
        started.set()
        try:
            ex.run_sql(store, "SELECT count(*) FROM range(100000000000) a", timeout_s=4)
        except InputError as exc:
            outcome["error"] = exc.message

    thread = threading.Thread(target=long_query)
    thread.start()
    started.wait(5)
    writer = Store(store.root, busy_timeout=1.0)
    import time

    deadline = time.monotonic() + 1.5  # let the query get going (it copies, opens, then runs)
    while time.monotonic() < deadline:
        writer.execute("INSERT INTO records (id, source, text, content_hash) VALUES (?, 't', 'x', ?)",
                       [f"r{time.monotonic_ns()}", f"h{time.monotonic_ns()}"])
    thread.join()
    assert "longer than" in outcome["error"]  # it really was running all along
    assert writer.scalar("SELECT count(*) FROM records") > 0
    fresh = ex.run_sql(store, "SELECT count(*) AS n FROM records")  # a new snapshot sees them
    assert int(fresh.df["n"][0]) == writer.scalar("SELECT count(*) FROM records")


def test_results_stop_at_a_byte_limit(ws, capsys):
    from clinsum.cli import main

    res = ex.run_sql(ws, "SELECT repeat('x', 100000) AS big FROM range(1000)", max_bytes=1_000_000)
    assert res.truncated and res.limit == "bytes" and 1 <= len(res.df) <= 10
    assert "MB" in res.note
    rows = ex.run_sql(ws, "SELECT * FROM range(50)", max_rows=5)
    assert rows.limit == "rows" and len(rows.df) == 5
    assert main(["-w", str(ws.root), "sql", "SELECT repeat('y', 1000000) FROM range(100)",
                 "--max-bytes", "3000000"]) == 0
    assert "reached 3 MB" in capsys.readouterr().err
