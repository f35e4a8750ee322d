"""Metric benches: ROUGE and BERTScore speed against their reference libraries, peak memory.

Prints ``BENCH <name> <value> <goal> PASS|MISS`` lines:

- ``rouge_speedup``: pairs/s of clinsum's ROUGE-1/2/L on 3000 pairs of ~300-word texts over
  pairs/s of ``rouge-score`` in the same run (goal ≥ 10). ``rouge-score`` runs on a subset
  (its rate is per pair, so the subset gives the rate); ``rouge_mismatches`` counts values
  that differ on that subset (goal 0).
- ``bertscore_speedup_vs_calls``: clinsum's BERTScore against plain ``bert_score.score`` calls,
  one per pair as a scoring loop makes them (each loads the model); timed on a few pairs and
  extrapolated (goal ≥ 2); ``bertscore_max_diff`` on those pairs (goal ≤ 1e-4).
  ``bertscore_speedup_vs_one_batch`` (information, no goal): against one batched
  ``bert_score.score`` call over the same pairs.
- ``metrics_peak_rss_mb``: peak RSS of a fresh process scoring the pairs with every local
  metric (goal ≤ 3072 MB).

BERTScore on 3000 pairs takes ~0.4 s per text on a busy 2-core CPU, so by default it runs on
``BERT_PAIRS`` pairs (20) and says so; ``--full`` or ``CLINSUM_BENCH_FULL=1`` uses 3000
(for a GPU or a quiet machine). ``CLINSUM_BENCH_QUICK=1`` shrinks everything further.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
import warnings

N_PAIRS = 3000
ROUGE_BASELINE_PAIRS = 200
BERT_PAIRS = 20
BERT_CALL_PAIRS = 3
RSS_GOAL_MB = 3072

# -- synthetic English clinical-style texts (deterministic, ASCII) ---------------------------
_VOCABULARY = (
    "patient presented with acute chest pain shortness of breath fever cough nausea vomiting "
    "abdominal tenderness history hypertension diabetes mellitus type two chronic kidney disease "
    "heart failure atrial fibrillation treated aspirin metoprolol insulin furosemide lisinopril "
    "daily twice admitted emergency department discharged stable condition follow up clinic weeks "
    "blood pressure heart rate oxygen saturation room air temperature laboratory results showed "
    "elevated white cell count creatinine troponin normal chest radiograph revealed bilateral "
    "infiltrates consistent pneumonia started intravenous antibiotics ceftriaxone azithromycin "
    "improved symptoms resolved day three plan continue oral therapy seven days return if worse "
    "the a an and of to in on for was were is has had no not denies reports left right lower "
    "upper extremity edema mild moderate severe echocardiogram ejection fraction reduced "
    "preserved imaging computed tomography scan negative pulmonary embolism deep vein thrombosis "
    "anticoagulation apixaban warfarin monitoring glucose levels hemoglobin anemia iron "
    "supplementation mg ml hours minutes years old male female family social smoking alcohol "
    "allergies known drug medication reconciliation performed nursing physical therapy evaluation "
    "ambulating independently tolerating diet pain controlled acetaminophen morphine dose reduced"
)
WORDS = _VOCABULARY.split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."


def text(rng: random.Random, n_words: int) -> str:
    out: list[str] = []
    while sum(len(s.split()) for s in out) < n_words:
        out.append(sentence(rng))
    return "\n".join(out)


def perturb(rng: random.Random, reference: str) -> str:
    """A candidate: the reference's sentences, some dropped, some rewritten, a few added."""
    out = []
    for s in reference.split("\n"):
        roll = rng.random()
        if roll < 0.15:
            continue
        words = s.split()
        words = [rng.choice(WORDS) if rng.random() < 0.2 else w for w in words]
        out.append(" ".join(words))
        if roll > 0.9:
            out.append(sentence(rng))
    return "\n".join(out)


def make_pairs(n: int, words: int = 300, references: int | None = None, seed: int = 0
               ) -> list[tuple[str, str, str]]:
    """(candidate, reference, source) triples; ``references`` distinct references (default n/5)."""
    rng = random.Random(seed)
    n_refs = references or max(1, n // 5)
    refs = [text(rng, words) for _ in range(n_refs)]
    sources = [r + "\n" + text(rng, words) for r in refs]
    out = []
    for i in range(n):
        k = i % n_refs
        out.append((perturb(rng, refs[k]), refs[k], sources[k]))
    return out


def _flags() -> tuple[bool, bool]:
    full = "--full" in sys.argv or os.environ.get("CLINSUM_BENCH_FULL") == "1"
    quick = "--quick" in sys.argv or os.environ.get("CLINSUM_BENCH_QUICK") == "1"
    return full, quick


def line(name: str, value: float, goal: str, ok: bool, note: str = "") -> None:
    print(f"BENCH {name} {value:.4g} {goal} {'PASS' if ok else 'MISS'}" + (f"  # {note}" if note else ""),
          flush=True)


def bench_rouge(pairs: list[tuple[str, str, str]], baseline_n: int) -> None:
    from rouge_score import rouge_scorer

    from clinsum.metrics import Pair, get_metric

    types = ["rouge1", "rouge2", "rougeL"]
    ours = get_metric("rouge", types=types)
    started = time.perf_counter()
    results = ours.compute_many([Pair(c, r) for c, r, _ in pairs])
    ours_rate = len(pairs) / (time.perf_counter() - started)
    scorer = rouge_scorer.RougeScorer(types)
    subset = pairs[:baseline_n]
    started = time.perf_counter()
    expected = [scorer.score(r, c) for c, r, _ in subset]
    base_rate = len(subset) / (time.perf_counter() - started)
    mismatches = sum(
        result.values[f"{t}_{k}"] != getattr(exp[t], attr)
        for result, exp in zip(results, expected, strict=False)
        for t in types for k, attr in (("p", "precision"), ("r", "recall"), ("f", "fmeasure"))
    )
    ratio = ours_rate / base_rate
    line("rouge_speedup", ratio, ">=10", ratio >= 10,
         f"clinsum {ours_rate:.0f} pairs/s on {len(pairs)}; rouge-score {base_rate:.1f} pairs/s on {len(subset)}")
    line("rouge_mismatches", mismatches, "==0", mismatches == 0, f"{len(subset) * 9} values compared")


def child(n_pairs: int, bert_pairs: int) -> None:
    """Fresh process: every local metric over the pairs; prints timings and a few values."""
    from clinsum.metrics import Pair
    from clinsum.metrics.bertscore import scorer
    from clinsum.metrics.scoring import LOCAL_METRICS, build_metrics

    pairs = [Pair(c, r, s, "en") for c, r, s in make_pairs(n_pairs)]
    seconds: dict[str, float] = {}
    scorer()  # load the model outside the timing (the baseline's load is what plain calls repeat)
    first_bert: list[list[float]] = []
    for metric in build_metrics(LOCAL_METRICS):
        batch = pairs[:bert_pairs] if metric.name == "bertscore" else pairs
        started = time.perf_counter()
        for start in range(0, len(batch), 256):
            out = metric.compute_many(batch[start:start + 256])
            if metric.name == "bertscore" and not first_bert:
                first_bert = [[r.values["bertscore_p"], r.values["bertscore_r"], r.values["bertscore_f1"]]
                              for r in out]
        seconds[metric.name] = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "bert": first_bert}))


def bench_bert_and_memory(n_pairs: int, bert_pairs: int, call_pairs: int) -> None:
    import bert_score

    from clinsum.embeddings import bundled_model_path

    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(n_pairs), str(bert_pairs)],
        capture_output=True, text=True, check=True,
    )
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    ours_s = result["seconds"]["bertscore"]
    pairs = make_pairs(n_pairs)[:bert_pairs]
    model = str(bundled_model_path())
    diffs = []
    started = time.perf_counter()
    for (c, r, _), mine in zip(pairs[:call_pairs], result["bert"], strict=False):
        P, R, F = bert_score.score([c], [r], model_type=model, num_layers=6)
        diffs += [abs(a - b) for a, b in zip(mine, (P.item(), R.item(), F.item()), strict=True)]
    per_call = (time.perf_counter() - started) / call_pairs
    ratio = per_call * bert_pairs / ours_s
    line("bertscore_speedup_vs_calls", ratio, ">=2", ratio >= 2,
         f"clinsum {ours_s:.1f} s for {bert_pairs} pairs; one bert_score.score call per pair "
         f"{per_call:.2f} s, timed on {call_pairs} and extrapolated")
    worst = max(diffs) if diffs else 0.0
    line("bertscore_max_diff", worst, "<=1e-4", worst <= 1e-4, f"on {call_pairs} pairs")
    started = time.perf_counter()
    bert_score.score([c for c, _, _ in pairs], [r for _, r, _ in pairs], model_type=model, num_layers=6)
    batch_s = time.perf_counter() - started
    line("bertscore_speedup_vs_one_batch", batch_s / ours_s, "info", True,
         f"one batched call {batch_s:.1f} s (includes its model load)")
    line("metrics_peak_rss_mb", peak_mb, f"<={RSS_GOAL_MB}", peak_mb <= RSS_GOAL_MB,
         f"every local metric, {n_pairs} pairs (BERTScore on {bert_pairs}); seconds per metric: "
         + ", ".join(f"{k} {v:.1f}" for k, v in result["seconds"].items()))


def main() -> None:
    warnings.simplefilter("ignore")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    full, quick = _flags()
    n = 300 if quick else N_PAIRS
    pairs = make_pairs(n)
    bench_rouge(pairs, 50 if quick else ROUGE_BASELINE_PAIRS)
    bert_pairs = n if full else (10 if quick else BERT_PAIRS)
    bench_bert_and_memory(n, bert_pairs, 2 if quick else BERT_CALL_PAIRS)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
