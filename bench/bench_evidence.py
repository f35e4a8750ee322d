"""Evidence alignment and judge calibration, measured.

1. Detection on the perturbation set (:mod:`clinsum.evidence.perturb`, from ``data/demo``):
   precision and recall of sentences labelled unsupported or contradicted, side by side with
   the token-level faithfulness flags as a per-sentence detector (the baseline).
2. Alignment speed: summary sentences aligned per second with default settings, each record's
   sentences embedded once (cold: first summary of a record, including its embedding; warm:
   further summaries of a record already indexed).
3. A 20,000-character record: reading its stored alignment and drawing the highlighted record
   (what the page does on each click), in milliseconds.
4. Judge calibration on a set with a known answer: physicians' PDSQI-9 ratings, judge scores
   from the loopback Ollama server, ICC through the workspace pipeline against the same ICC
   computed independently with numpy.

``CLINSUM_BENCH_QUICK=1``: six records instead of all.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def line(name: str, value: float, goal: str, ok: bool, note: str = "") -> None:
    print(f"BENCH {name} {value:.4g} {goal} {'PASS' if ok else 'MISS'}" + (f"  # {note}" if note else ""),
          flush=True)


def _pr(pairs: list[tuple[bool, bool]]) -> tuple[float, float]:
    tp = sum(p and e for p, e in pairs)
    fp = sum(p and not e for p, e in pairs)
    fn = sum(e and not p for p, e in pairs)
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def bench_detection(quick: bool) -> None:
    from clinsum.evidence.alignment import FLAGGED, align, record_index
    from clinsum.evidence.perturb import demo_cases
    from clinsum.metrics.faithfulness import flags

    cases, records = demo_cases()
    if quick:
        keep = [r for r in records if r.startswith("es")][:3] + [r for r in records if r.startswith("en")][:3]
        cases = [c for c in cases if c.record_id in keep]
    by_record = defaultdict(list)
    for case in cases:
        by_record[case.record_id].append(case)
    ours, baseline, per_kind = [], [], defaultdict(lambda: [0, 0])
    cold_s = warm_s = 0.0
    n_cold = n_warm = 0
    for record_id, group in by_record.items():
        record = records[record_id]
        originals = [c for c in group if c.kind == "original"]
        perturbed = [c for c in group if c.kind != "original"]
        started = time.perf_counter()
        record_index(record)  # first summary of this record: its sentences are embedded here
        first = align("\n".join(c.sentence for c in originals), record)
        cold_s += time.perf_counter() - started
        n_cold += len(first.sentences)
        started = time.perf_counter()
        second = align("\n".join(c.sentence for c in perturbed), record)
        warm_s += time.perf_counter() - started
        n_warm += len(second.sentences)
        aligned = first.sentences + second.sentences
        assert len(aligned) == len(group), (record_id, len(aligned), len(group))
        for case, sentence in zip(originals + perturbed, aligned, strict=True):
            predicted = sentence.label in FLAGGED
            ours.append((predicted, case.flagged))
            baseline.append((bool(flags(case.sentence, record)), case.flagged))
            per_kind[case.kind][0] += predicted == case.flagged
            per_kind[case.kind][1] += 1
    precision, recall = _pr(ours)
    base_p, base_r = _pr(baseline)
    kinds = ", ".join(f"{k} {ok}/{n}" for k, (ok, n) in sorted(per_kind.items()))
    note = f"{len(ours)} sentences, {len(by_record)} records; faithfulness flags baseline P={base_p:.3f}"
    line("evidence_detection_precision", precision, ">=0.90", precision >= 0.90, note)
    line("evidence_detection_recall", recall, ">=0.90", recall >= 0.90,
         f"baseline R={base_r:.3f}; correct per kind: {kinds}")
    warm_rate = n_warm / warm_s if warm_s else 0.0
    cold_rate = n_cold / cold_s if cold_s else 0.0
    line("evidence_align_sentences_per_s", warm_rate, ">=20", warm_rate >= 20,
         f"record already indexed; cold (record embedded first) {cold_rate:.1f}/s on {os.cpu_count()} cores")


def bench_long_record() -> None:
    from clinsum.config import DEMO_DIR
    from clinsum.evidence import get_alignment
    from clinsum.store import Store
    from clinsum.ui.evidence_view import record_html

    texts = [p.read_text(encoding="utf-8") for p in sorted((DEMO_DIR / "records").glob("es*.txt"))]
    record = ""
    for text in texts:
        if len(record) >= 20000:
            break
        record += text + "\n\n"
    record = record[:20000]
    summary = (DEMO_DIR / "references" / "es01_cardiologia_icc.txt").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "ws")
        store.execute("INSERT INTO records (id, source, text, content_hash) VALUES ('r', 'b', ?, 'h')", [record])
        store.execute("INSERT INTO generations (id, record_id, backend, strategy, text) VALUES"
                      " ('g', 'r', 'x', 'y', ?)", [summary])
        get_alignment(store, "generation", "g")  # once, as the page's Align button does
        times = []
        for i in range(5):
            started = time.perf_counter()
            alignment = get_alignment(store, "generation", "g")
            record_html(record, alignment, i % len(alignment.sentences))
            times.append(time.perf_counter() - started)
    ms = 1000 * sorted(times)[len(times) // 2]
    line("evidence_view_20k_chars_ms", ms, "<=1000", ms <= 1000,
         f"{len(record)} chars, {len(alignment.record_sentences)} record sentences: stored alignment + highlighted record, median of 5")


def bench_judge_calibration() -> None:
    import numpy as np

    from clinsum.annotation import calibration as cal
    from clinsum.annotation.pdsqi import submit_pdsqi
    from clinsum.annotation.rubric import PDSQI9_NAMES
    from clinsum.metrics.scoring import score_workspace
    from clinsum.store import Store
    from tests.fakes.llm_server import LLMServer

    n = 30
    physician = [(i % 5) + 1 for i in range(n)]
    judge = [p if i % 10 else min(5, p + 1) for i, p in enumerate(physician)]  # 3 items one point off
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "ws")
        for i in range(n):
            store.execute("INSERT INTO records (id, source, text, content_hash) VALUES (?, 'b', ?, ?)",
                          [f"r{i}", f"Paciente {i}: neumonía basal derecha, amoxicilina 1 g cada 8 horas.", f"h{i}"])
            store.execute("INSERT INTO reference_summaries (id, record_id, version, text) VALUES (?, ?, 1, ?)",
                          [f"ref-{i}", f"r{i}", f"Resumen número {i}: neumonía derecha."])
            submit_pdsqi(store, "dra.a", "reference", f"ref-{i}", {k: physician[i] for k in PDSQI9_NAMES})

        def responder(messages, model):
            user = messages[-1]["content"]
            i = next(i for i in range(n - 1, -1, -1) if f"Resumen número {i}:" in user)
            return json.dumps({k: {"score": judge[i], "rationale": "-"} for k in PDSQI9_NAMES})

        with LLMServer(responder=responder) as server:
            score_workspace(store, ["judge"], {"judge": {
                "backend": "ollama", "model": "llama3.2:1b", "rubric": "pdsqi9",
                "backend_config": {"host": server.ollama_host}}}, targets=["reference"])
        rows = {r["judge"]: r for r in cal.judge_calibration(store)}
    row = rows["judge_pdsqi_accurate"]
    x = np.array([judge, physician], dtype=float).T  # items × raters
    k = 2
    grand = x.mean()
    msr = k * ((x.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((x.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    mse = (((x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + grand) ** 2).sum()
           / ((n - 1) * (k - 1)))
    expected = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    error = abs(row["icc"] - expected)
    line("evidence_judge_icc", row["icc"], f"={expected:.4f}", error < 1e-9 and row["n"] == n,
         f"n={row['n']}, 95% CI [{row['icc_lo']:.3f}, {row['icc_hi']:.3f}], kappa_q={row['kappa']:.3f}, "
         f"spearman={row['spearman']:.3f}, status={row['status']}")


def main() -> None:
    quick = os.environ.get("CLINSUM_BENCH_QUICK") == "1" or "--quick" in sys.argv
    bench_judge_calibration()
    bench_detection(quick)
    bench_long_record()


if __name__ == "__main__":
    main()
