"""Annotation page latency on a large study.

- ``annotation_queue_ms``: building one annotator's queue (done on every rerun of the page):
  N reference items, 6 annotators, overlap 2, a third of the work submitted (goal ≤ 500 ms).
  Baseline beside it: the same queue looked up item by item (one query per item) in one
  connection.
- ``annotation_agreement_ms``: the agreement report (kappa per pair and criterion, alpha,
  percent) over the same reviews (goal ≤ 500 ms); baseline: only reading the annotations.

``CLINSUM_BENCH_QUICK=1`` uses 300 items instead of 2000.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time

from clinsum.annotation import annotators, assignment, report
from clinsum.store import Store

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"
N_ITEMS = 300 if QUICK else 2000
NAMES = ["ana", "luis", "eva", "marta", "jorge", "inés"]


def build(root: str) -> Store:
    s = Store.open(root)
    rng = random.Random(0)
    for name in NAMES:
        annotators.register(s, name)
    assignment.set_overlap(s, 2)
    with s.transaction() as con:
        con.executemany(
            "INSERT INTO records (id, source, text, content_hash) VALUES (?, 'bench', ?, ?)",
            [[f"r{i}", f"Registro {i}.", f"h{i}"] for i in range(N_ITEMS)])
        con.executemany(
            "INSERT INTO reference_summaries (id, record_id, version, text, status) VALUES (?, ?, 1, ?, 'draft')",
            [[f"ref{i}", f"r{i}", f"Resumen {i}."] for i in range(N_ITEMS)])
    assignment.sync_reference_items(s)
    rows = []
    for i in range(N_ITEMS):
        for name in assignment.assignees("reference", f"ref{i}", NAMES, 2):
            if rng.random() < 1 / 3:
                scores = {c: rng.randint(3, 5) for c in ("accuracy", "clarity", "completeness")}
                rows.append([f"ann{len(rows)}", f"ref{i}", f"r{i}", name, json.dumps(scores), "accept"])
    with s.transaction() as con:
        con.executemany(
            "INSERT INTO annotations (id, item_kind, item_id, record_id, annotator, scores, verdict)"
            " VALUES (?, 'reference', ?, ?, ?, ?, ?)", rows)
    return s


def naive_queue(s: Store, who: str) -> list[str]:
    with s.connect() as con:
        items = [r[0] for r in con.execute("SELECT item_id FROM annotation_items WHERE item_kind = 'reference'").fetchall()]
        pool = [r[0] for r in con.execute("SELECT name FROM annotators WHERE active").fetchall()]
        out = []
        for item in items:
            if who in assignment.assignees("reference", item, pool, 2):
                con.execute("SELECT count(*) FROM annotations WHERE item_id = ? AND annotator = ?", [item, who]).fetchone()
                out.append(item)
        return out


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        s = build(os.path.join(tmp, "ws"))
        mine = assignment.queue(s, "ana", secrets={})
        assert len(mine) == len(naive_queue(s, "ana"))
        queue_ms = timed(lambda: assignment.queue(s, "ana", secrets={}))
        naive_ms = timed(lambda: naive_queue(s, "ana"), repeat=1)
        print(f"queue of {len(mine)} items out of {N_ITEMS}: {queue_ms:.0f} ms; item by item {naive_ms:.0f} ms")
        print(f"BENCH annotation_queue_ms {queue_ms:.0f} <=500 {'PASS' if queue_ms <= 500 else 'MISS'}")
        report_ms = timed(lambda: report.agreement_report(s, "reference"))
        read_ms = timed(lambda: s.fetch_dicts("SELECT * FROM annotations"))
        result = report.agreement_report(s, "reference")
        print(f"agreement over {result['overlapping_items']} shared items, {len(result['pairs'])} pair rows:"
              f" {report_ms:.0f} ms; reading the annotations alone {read_ms:.0f} ms")
        print(f"BENCH annotation_agreement_ms {report_ms:.0f} <=500 {'PASS' if report_ms <= 500 else 'MISS'}")


if __name__ == "__main__":
    main()
