"""A page rerun opens the workspace once: wall time of reruns as pages run them (the body's
reads share one connection, ``Store.shared_connection`` in ``ui.guard``) against the same
reruns with one connection held open for the whole rerun (the floor: no reopening at all).
Goal: ratio ≤ 1.2. Also printed: the ratio of the old way (one open per query) to the shared
one. Pages: records, grids, annotate and fine-tuning on the demo workspace, through AppTest, median
of 7 reruns after a warm-up, the three modes interleaved. ``CLINSUM_BENCH_QUICK=1``: 3 reruns.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from streamlit.testing.v1 import AppTest

import clinsum.store as store_module
from clinsum.demo import load_demo
from clinsum.store import Store

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"
RUNS = 3 if QUICK else 7
GOAL = 1.2
PAGES = Path(__file__).resolve().parent.parent / "clinsum" / "ui" / "pages"
NAMES = ("10_records.py", "25_grids.py", "70_annotate.py", "80_finetune.py")
SHARED = Store.shared_connection


@contextmanager
def held(self: Store) -> Iterator[None]:
    """The baseline: one connection (read-write, so the page's own writes go through it) open
    for the whole rerun."""
    with self.connect():
        yield


MODES: dict[str, Callable] = {"shared": SHARED, "held": held, "per_query": lambda self: nullcontext()}


OPENS = [0]
_connect = store_module.duckdb.connect


def counting_connect(*args, **kwargs):
    OPENS[0] += 1
    return _connect(*args, **kwargs)


def rerun_seconds(app: AppTest) -> float:
    started = time.perf_counter()
    app.run()
    seconds = time.perf_counter() - started
    assert not app.exception and not app.error, (app.exception, [e.value for e in app.error])
    return seconds


def opens_per_rerun(app: AppTest) -> int:
    OPENS[0] = 0
    app.run()
    return OPENS[0]


def main() -> None:
    store_module.duckdb.connect = counting_connect
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        load_demo(Store.open(workspace))
        os.environ.update(CLINSUM_WORKSPACE=str(workspace), CLINSUM_LANG="en",
                          OLLAMA_HOST="http://127.0.0.1:9")  # no server: no network wait
        times = {mode: 0.0 for mode in MODES}
        for name in NAMES:
            app = AppTest.from_file(str(PAGES / name), default_timeout=120)
            app.query_params["annotator"] = "ana"  # the annotation page: signed in
            app.run()  # warm-up: imports, caches
            samples: dict[str, list[float]] = {mode: [] for mode in MODES}
            for _ in range(RUNS):
                for mode, how in MODES.items():
                    Store.shared_connection = how
                    samples[mode].append(rerun_seconds(app))
            opens = {}
            for mode, how in MODES.items():
                Store.shared_connection = how
                opens[mode] = opens_per_rerun(app)
            Store.shared_connection = SHARED
            print(f"{name}: database opens per rerun: " + ", ".join(f"{m} {n}" for m, n in opens.items()))
            medians = {mode: statistics.median(v) for mode, v in samples.items()}
            print(f"{name}: " + ", ".join(f"{m} {s * 1000:.0f} ms" for m, s in medians.items()))
            for mode, seconds in medians.items():
                times[mode] += seconds
    ratio = times["shared"] / times["held"]
    print(f"per-query opens / shared: {times['per_query'] / times['shared']:.2f}")
    print(f"BENCH rerun_shared_vs_held {ratio:.2f} {GOAL} {'PASS' if ratio <= GOAL else 'MISS'}")


if __name__ == "__main__":
    main()
