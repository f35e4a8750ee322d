"""The read-only SQL box and exports: writes refused, data unchanged, files round-trip."""

from __future__ import annotations

import pandas as pd
import pytest
from test_explorer_data import build

from clinsum import explorer as ex
from clinsum.errors import InputError
from clinsum.store import Store


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
