"""A MedMCQA-sized knowledge base (194,000 rows) ingested for real, killed once, resumed.

Not part of ``bench/run.py`` (it takes about an hour on 2 cores): run it by hand with
``python bench/kb_full_scale.py [--rows N] [--kill-at 0.4] [--keep DIR]``.

It writes N MedMCQA-layout rows (the length spread of :mod:`bench_rag`) to a JSONL file,
ingests them with a ``kb_ingest`` job (a real process, as the Knowledge base page does),
kills that process with SIGKILL at ``--kill-at`` of the rows, resumes the job, and checks
that every row ended up stored once. It prints the job's rows/s over the whole run (kill
and resume included), its peak memory, the store's size on disk and the query latency on
the full base, and ends with BENCH lines:

- ``kb_full_ingest_rows_per_s``: rows / wall seconds of the whole run; goal ≥ 27 (< 2 h).
- ``kb_full_ingest_lost_or_duplicated``: |passages stored − distinct rows|; goal 0.
- ``kb_full_query_p95_ms``: top-5 HNSW query latency on the full base; goal ≤ 50 ms (recall
  against exact NumPy search printed beside it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

HERE = Path(__file__).resolve().parent


def _line(name: str, value: float, goal: float, ok: bool) -> None:
    print(f"BENCH {name} {value:.3f} {goal} {'PASS' if ok else 'MISS'}", flush=True)


def _folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def run(root: Path, n_rows: int, kill_at: float) -> None:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    from bench_rag import _mcq_rows

    import clinsum.plugins  # noqa: F401 - registers the kb_ingest job
    from clinsum import jobs
    from clinsum.embeddings import embed
    from clinsum.rag import base_stats, create_base
    from clinsum.rag.chroma import fresh_collection
    from clinsum.store import Store

    t0 = time.perf_counter()
    path = root / "medmcqa_full.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for row in _mcq_rows(n_rows):
            handle.write(json.dumps(row) + "\n")
    print(f"wrote {n_rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s", flush=True)

    store = Store.open(root / "ws")
    create_base(store, "medmcqa")
    started = time.perf_counter()
    job_id = jobs.submit(store, "kb_ingest", {"base": "medmcqa", "path": str(path)}, title="full-scale ingest")
    peak_rss, killed, last_print = 0.0, False, 0.0
    while True:
        row = jobs.refresh(store, job_id)
        progress = jobs.read_progress(store, job_id)
        with contextlib.suppress(psutil.Error, TypeError):
            peak_rss = max(peak_rss, psutil.Process(row["pid"]).memory_info().rss / 1e9)
        now = time.perf_counter() - started
        if now - last_print > 60:
            print(f"  {now / 60:.0f} min: {progress.get('message', '')} (eta {progress.get('eta_s')} s)", flush=True)
            last_print = now
        if not killed and progress.get("done", 0) >= kill_at * n_rows:
            os.kill(row["pid"], signal.SIGKILL)
            killed = True
            while jobs.refresh(store, job_id)["status"] != "failed":
                time.sleep(0.2)
            stored = fresh_collection(store, "medmcqa").count()
            print(f"  killed the job process with SIGKILL at {progress['done']:,} rows ({stored:,} stored);"
                  " resuming", flush=True)
            jobs.resume(store, job_id)
            continue
        if row["status"] not in jobs.ACTIVE:
            break
        time.sleep(1.0)
    wall = time.perf_counter() - started
    stats = base_stats(store, "medmcqa")
    lost_or_duplicated = abs(stats["n_passages"] - n_rows)
    rate = n_rows / wall
    runs = [(r["status"], r["added"], r["existing"], r["precision"]) for r in stats["ingests"]]
    print(f"job {row['status']}: {stats['n_passages']:,} passages from {n_rows:,} rows in {wall / 60:.1f} min"
          f" ({rate:.1f} rows/s, kill and resume included); runs (status, added, existing, precision): {runs};"
          f" job peak RSS {peak_rss:.2f} GB; kb folder {_folder_mb(store.dir('kb')):.0f} MB", flush=True)

    collection = fresh_collection(store, "medmcqa")
    rng = np.random.default_rng(7)
    questions = [json.loads(line)["question"] for line in path.open(encoding="utf-8")]
    queries = [questions[i].split(": ", 1)[-1] for i in rng.choice(len(questions), 40, replace=False)]
    vectors = embed(queries)
    collection.query(query_embeddings=vectors[:1], n_results=5)
    times, found = [], []
    for v in vectors:
        t = time.perf_counter()
        got = collection.query(query_embeddings=v[None, :], n_results=5, include=["documents", "distances"])
        times.append((time.perf_counter() - t) * 1000)
        found.append(set(got["ids"][0]))
    p50, p95 = np.percentile(times, 50), np.percentile(times, 95)
    everything = collection.get(include=["embeddings"])
    matrix = np.asarray(everything["embeddings"], dtype=np.float32)
    ids = np.asarray(everything["ids"])
    recall = np.mean([len(set(ids[np.argpartition(-(matrix @ v), 5)[:5]]) & hits) / 5
                      for v, hits in zip(vectors, found, strict=True)])
    print(f"query latency on {stats['n_passages']:,} real passages (questions of random rows, reworded by"
          f" nothing): p50 {p50:.1f} ms, p95 {p95:.1f} ms; HNSW recall@5 against exact search {recall:.2f}", flush=True)
    _line("kb_full_ingest_rows_per_s", rate, 27, rate >= 27 and row["status"] == "done")
    _line("kb_full_ingest_lost_or_duplicated", lost_or_duplicated, 0, lost_or_duplicated == 0)
    _line("kb_full_query_p95_ms", p95, 50, p95 <= 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=194_000)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of rows after which the job is killed")
    parser.add_argument("--keep", default=None, help="folder to keep the file and workspace in")
    args = parser.parse_args()
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        run(Path(args.keep), args.rows, args.kill_at)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(Path(tmp), args.rows, args.kill_at)


if __name__ == "__main__":
    main()
