"""An in-memory copy of what explorer views read, rebuilt only when the workspace changed.

Views run on every click of the explorer page; reading a million metric rows from the
workspace file each time is too slow. The cube holds, in an in-memory DuckDB database:

* ``gen_all``: every generation with its settings, record source and a ``failed`` flag,
  numbered by an integer ``gi``;
* ``names_all``: every metric value name scored on generations, numbered by ``k``;
* ``cur_all``: the *current* value per (generation, name) as ``(gi, k, value)``: where a
  name was stored more than once for a generation (a newer metric version or reference
  version), the most recently computed row wins (ties: the higher metric version).

A cube is checked against the workspace file's modification stamp on each use (no database
access) and, when the file changed, against row counts and newest timestamps; only a change
there rebuilds it. The workspace is opened read-only for that.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from clinsum.store import Store

MAX_CUBES = 4
_CONTENT_KEY = (
    "SELECT (SELECT count(*) FROM metrics), (SELECT max(computed_at) FROM metrics),"
    " (SELECT count(*) FROM generations), (SELECT max(created_at) FROM generations),"
    " (SELECT count(*) FROM records)"
)
_GENERATIONS = (
    "SELECT g.id AS generation_id, g.record_id, g.backend, g.model, g.adapter, g.strategy,"
    " g.temperature, g.decoding, g.total_seconds, g.created_at, g.error IS NOT NULL AS failed,"
    " r.source FROM generations g LEFT JOIN records r ON r.id = g.record_id"
)
_CURRENT = (
    "SELECT target_id AS generation_id, name, any_value(metric) AS metric,"
    " arg_max_null(value, {'t': computed_at, 'v': metric_version}) AS value"
    " FROM metrics WHERE target_kind = 'generation' GROUP BY target_id, name"
)


@dataclass
class Cube:
    con: duckdb.DuckDBPyConnection
    stamp: tuple
    key: tuple
    names: dict[str, int] = field(default_factory=dict)
    build_seconds: float = 0.0
    _wide_lock: threading.Lock = field(default_factory=threading.Lock)
    _wide_ready: bool = False

    def ensure_wide(self) -> None:
        """Create ``wide_all`` (``gi`` and one column per metric name, named ``m<k>``) once."""
        with self._wide_lock:
            if self._wide_ready:
                return
            columns = "".join(
                f", max(value) FILTER (WHERE k = {k}) AS m{k}" for k in sorted(self.names.values())
            )
            cur = self.con.cursor()
            try:
                cur.execute(f"CREATE TABLE wide_all AS SELECT gi{columns} FROM cur_all GROUP BY gi")
            finally:
                cur.close()
            self._wide_ready = True

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run ``sql`` on a cursor of its own (safe across Streamlit threads)."""
        cur = self.con.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()


_cubes: dict[Path, Cube] = {}
_lock = threading.Lock()


def _file_stamp(store: Store) -> tuple:
    parts: list[Any] = []
    for path in (store.db_path, store.db_path.with_name(store.db_path.name + ".wal")):
        try:
            st = path.stat()
            parts.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            parts.append(None)
    return tuple(parts)


def cube(store: Store) -> Cube:
    """The up-to-date cube of ``store`` (built on first use and after changes)."""
    stamp = _file_stamp(store)
    with _lock:
        found = _cubes.get(store.db_path)
        if found is not None and found.stamp == stamp:
            return found
        with store.connect(read_only=True) as con:
            con.execute("SET enable_progress_bar = false")
            key = tuple(con.execute(_CONTENT_KEY).fetchall()[0])
            if found is not None and found.key == key:
                found.stamp = stamp
                return found
            started = time.perf_counter()
            generations = con.sql(_GENERATIONS).to_arrow_table()
            current = con.sql(_CURRENT).to_arrow_table()
        built = _build(generations, current, stamp, key)
        built.build_seconds = time.perf_counter() - started
        _cubes.pop(store.db_path, None)
        _cubes[store.db_path] = built
        while len(_cubes) > MAX_CUBES:
            _cubes.pop(next(iter(_cubes))).con.close()
        return built


def _build(generations: Any, current: Any, stamp: tuple, key: tuple) -> Cube:
    mem = duckdb.connect(":memory:")
    mem.execute("SET enable_progress_bar = false")
    mem.register("generations_in", generations)
    mem.register("current_in", current)
    mem.execute(
        "CREATE TABLE gen_all AS SELECT CAST(row_number() OVER (ORDER BY generation_id) - 1 AS INTEGER)"
        " AS gi, * FROM generations_in"
    )
    mem.execute(
        "CREATE TABLE names_all AS SELECT CAST(row_number() OVER (ORDER BY name) AS SMALLINT) AS k,"
        " name, min(metric) AS metric, count(*) AS n FROM current_in GROUP BY name"
    )
    mem.execute(
        "CREATE TABLE cur_all AS SELECT g.gi, n.k, c.value FROM current_in c"
        " JOIN gen_all g USING (generation_id) JOIN names_all n USING (name) ORDER BY n.k, g.gi"
    )
    mem.unregister("generations_in")
    mem.unregister("current_in")
    names = {name: int(k) for k, name in mem.execute("SELECT k, name FROM names_all").fetchall()}
    return Cube(mem, stamp, key, names)


def forget(store: Store) -> None:
    """Drop the cached cube of ``store`` (the next view rebuilds it)."""
    with _lock:
        found = _cubes.pop(store.db_path, None)
    if found is not None:
        found.con.close()
