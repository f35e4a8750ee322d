"""Workspace store: operations per second through the lock-per-operation design.

Baseline: the same inserts on one DuckDB connection kept open (what a single process could
do without sharing). Goal: the shared design keeps at least 20% of that throughput for
batched writes, and single small operations stay under 50 ms.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import duckdb

from clinsum.store import Store

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"


def main() -> None:
    n = 2000 if QUICK else 20000
    rows = [[f"rec-{i}", "bench", "es", "t", "texto " * 50, f"h{i}"] for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "ws")
        sql = ("INSERT INTO records (id, source, language, title, text, content_hash)"
               " VALUES (?, ?, ?, ?, ?, ?)")
        started = time.perf_counter()
        for i in range(0, n, 500):
            with store.transaction() as con:
                con.executemany(sql, rows[i : i + 500])
        shared = n / (time.perf_counter() - started)

        raw = duckdb.connect(str(Path(tmp) / "raw.duckdb"))
        raw.execute("CREATE TABLE records (id VARCHAR, source VARCHAR, language VARCHAR, title VARCHAR,"
                    " text VARCHAR, content_hash VARCHAR UNIQUE)")
        started = time.perf_counter()
        for i in range(0, n, 500):
            raw.begin()
            raw.executemany(sql, rows[i : i + 500])
            raw.commit()
        baseline = n / (time.perf_counter() - started)
        raw.close()

        ops = 200
        started = time.perf_counter()
        for _ in range(ops):
            store.scalar("SELECT count(*) FROM records")
        per_op_ms = (time.perf_counter() - started) / ops * 1000

    ratio = shared / baseline
    print(f"batched inserts: shared store {shared:,.0f} rows/s, open connection {baseline:,.0f} rows/s")
    print(f"BENCH store_batched_insert_ratio {ratio:.2f} >=0.20 {'PASS' if ratio >= 0.2 else 'MISS'}")
    print(f"BENCH store_small_op_ms {per_op_ms:.1f} <=50 {'PASS' if per_op_ms <= 50 else 'MISS'}")


if __name__ == "__main__":
    main()
