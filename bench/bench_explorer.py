"""Metric explorer: every view over 1,000,000 metric rows (50,000 generations × 20 values).

Each view is timed through the public ``clinsum.explorer`` function, opening the workspace
read-only as the page does (median of 3 runs after one warm-up). Goal: at most 0.3 s per view.
Baseline beside each: the same aggregation in pandas on the metric rows already loaded in
memory (loading them is not counted). Also timed: the comparison page's jump to the worst
pair and its per-pair metrics, and one SQL-box aggregate (which reads the workspace file
itself, not the cube). The cube build (once after each change of the workspace) gets its own
line. ``CLINSUM_BENCH_QUICK=1`` uses 100,000 rows.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from clinsum import compare as cmp
from clinsum import explorer as ex
from clinsum.store import Store

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"
GOAL_S = 0.3
N_METRICS = 20


def build(store: Store, n_generations: int) -> None:
    """Bulk-insert generations and their metric values with DuckDB (no Python loop per row)."""
    with store.transaction() as con:
        con.execute(
            "INSERT INTO records (id, source, text, content_hash)"
            " SELECT 'r' || i, CASE WHEN i % 10 = 0 THEN 'other' ELSE 'demo' END, 'texto', 'h' || i"
            " FROM range(?) t(i)", [max(n_generations // 10, 1)],
        )
        con.execute(
            "INSERT INTO generations (id, record_id, backend, model, strategy, temperature, decoding,"
            " total_seconds, created_at)"
            " SELECT 'g' || i, 'r' || (i % ?), CASE WHEN i % 3 = 0 THEN 'openai' ELSE 'ollama' END,"
            " 'model-' || (i % 8), 'strategy-' || (i % 5), [0.0, 0.3, 0.7, 1.0][1 + i % 4],"
            " CASE WHEN i % 4 = 0 THEN 'greedy' ELSE 'sample' END,"
            " 0.5 + (i % 8) * 0.4 + random(), TIMESTAMP '2026-01-01' + INTERVAL (i % 90) DAY"
            " FROM range(?) t(i)", [max(n_generations // 10, 1), n_generations],
        )
        con.execute(
            "INSERT INTO metrics (target_kind, target_id, reference_id, metric, name, metric_version, value)"
            " SELECT 'generation', 'g' || i, 'ref-' || (i % ?), 'family' || (k // 4), 'metric_' || k, '1',"
            " least(1.0, greatest(0.0, 0.3 + (i % 8) * 0.05 + k * 0.01 + (random() - 0.5) * 0.3))"
            " FROM range(?) t(i), range(?) u(k)",
            [max(n_generations // 10, 1), n_generations, N_METRICS],
        )


def timed(fn: Callable[[], object], runs: int = 3) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    n_generations = 5_000 if QUICK else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "ws")
        started = time.perf_counter()
        build(store, n_generations)
        n_rows = store.scalar("SELECT count(*) FROM metrics")
        print(f"built {n_rows:,} metric rows for {n_generations:,} generations"
              f" in {time.perf_counter() - started:.1f} s")

        gens = store.fetch_df("SELECT id AS generation_id, model, strategy, temperature,"
                              " total_seconds FROM generations")
        mets = store.fetch_df("SELECT target_id AS generation_id, name, value FROM metrics")
        joined = mets.merge(gens, on="generation_id")
        one = joined[joined.name == "metric_3"]
        wide = joined.pivot_table(index="generation_id", columns="name", values="value")
        some = ex.Filters(models=["model-1", "model-2", "model-3"], temperatures=[0.3, 0.7],
                          sources=["demo"])

        views: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
            "summary_by_model": (
                lambda: ex.summary(store, "model", ["metric_3"]),
                lambda: one.groupby("model")["value"].agg(["count", "mean", "std", "min", "median", "max"])),
            "summary_by_strategy_all": (
                lambda: ex.summary(store, "strategy"),
                lambda: joined.groupby(["strategy", "name"])["value"].agg(["count", "mean", "std", "median"])),
            "summary_filtered": (
                lambda: ex.summary(store, "model", ["metric_3"], some),
                lambda: one[one.model.isin(["model-1", "model-2", "model-3"])
                            & one.temperature.isin([0.3, 0.7])].groupby("model")["value"].mean()),
            "temperature_table": (
                lambda: ex.temperature_table(store),
                lambda: joined.pivot_table(index="temperature", columns="name", values="value")),
            "model_strategy_matrix": (
                lambda: ex.matrix(store, "metric_3"),
                lambda: one.pivot_table(index="model", columns="strategy", values="value")),
            "time_by_model": (
                lambda: ex.time_by(store, "model"),
                lambda: gens.groupby("model")["total_seconds"].agg(["count", "mean", "std"])),
            "pareto": (
                lambda: ex.pareto(store, "metric_3"),
                lambda: one.groupby(["model", "strategy"])[["value", "total_seconds"]].mean()),
            "histogram": (
                lambda: ex.histogram(store, "metric_3", bins=30),
                lambda: pd.cut(one["value"], 30).value_counts()),
            "long_view_one_metric": (
                lambda: ex.long_view(store, names=["metric_3"]),
                lambda: one.sort_values("generation_id")),
            "wide_view": (
                lambda: ex.wide_view(store),
                lambda: joined.pivot_table(index="generation_id", columns="name", values="value")),
            "correlation": (
                lambda: ex.correlation(store, method="spearman"),
                lambda: wide.corr(method="spearman")),
            "compare_jump_worst": (
                lambda: cmp.jump(store, "metric_3", "worst"),
                lambda: one.sort_values(["value", "generation_id"]).iloc[0]),
            "compare_pair_metrics": (
                lambda: cmp.pair_metrics(store, ["g1", "g2", "g3"]),
                lambda: joined[joined.generation_id.isin(["g1", "g2", "g3"])]),
            "sql_box_aggregate": (
                lambda: ex.run_sql(store, "SELECT name, avg(value) FROM metrics GROUP BY name"),
                lambda: mets.groupby("name")["value"].mean()),
        }
        ex.forget(store)
        started = time.perf_counter()
        ex.cube(store).ensure_wide()
        build_s = time.perf_counter() - started
        print(f"  cube build (once after each change of the workspace): {build_s:.2f} s")
        print(f"BENCH explorer_cube_build_s {build_s:.2f} <=3 {'PASS' if build_s <= 3 else 'MISS'}")
        for name, (view, baseline) in views.items():
            took = timed(view)
            base = timed(baseline)
            print(f"  {name}: explorer {took:.3f} s, pandas in memory {base:.3f} s")
            print(f"BENCH explorer_{name}_s {took:.3f} <={GOAL_S} {'PASS' if took <= GOAL_S else 'MISS'}")


if __name__ == "__main__":
    main()
