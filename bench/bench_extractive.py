"""Extractive backend on the demo records: quality against a lead baseline, redundancy, memory.

Baselines (same process, same records, same length): for quality, the first N words of the
record, N being the length of the extractive summary ("lead-N", the classic extractive
baseline); for redundancy, the same backend with duplicate removal switched off. Goals:

- ROUGE-1 F against the demo references at least the lead baseline's;
- near-duplicate sentence pairs (cosine ≥ 0.92) in the summaries fewer than without removal,
  on the same records with a copy-pasted note (the record's longest section repeated at the
  end under another heading, as daily notes copied forward do);
- resident memory with the backend loaded and used ≤ 2 GB (the issue's goal for the
  workbench with the extractive backend);
- speed: on the longest demo records (~18k characters, as pasted on the Summarize page), the
  default backend's wall time on a record it has not seen ÷ one embedding pass over that
  record's sentences (the baseline, timed alternately in the same process) ≤ 1.5.
"""

from __future__ import annotations

import os
import time

import numpy as np
import psutil

from clinsum.backends import GenerationOptions, get_backend
from clinsum.config import DEMO_DIR
from clinsum.embeddings import embed
from clinsum.metrics.base import get_metric
from clinsum.text import detect_language, sentences, words

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"


def lead(text: str, n_words: int) -> str:
    """The first ``n_words`` words of ``text`` (whole tokens, original spacing)."""
    out, count = [], 0
    for token in text.split():
        count += len(words(token))
        if count > n_words:
            break
        out.append(token)
    return " ".join(out)


def with_copied_note(text: str) -> str:
    """``text`` plus its longest section copied again at the end as a new note."""
    from clinsum.records.sections import split_sections

    longest = max(split_sections(text), key=lambda s: s.end - s.body_start)
    return f"{text}\n\nNota de evolución:\n{longest.body(text)}\n"


def redundant_pairs(text: str, threshold: float = 0.92) -> int:
    parts = [s for s in sentences(text) if len(words(s)) >= 3]
    if len(parts) < 2:
        return 0
    vectors = embed(parts)
    sims = np.triu(vectors @ vectors.T, k=1)
    return int((sims >= threshold).sum())


def speed_vs_embedding(runs: int) -> tuple[float, float, float]:
    """Median wall time of the default backend on the longest demo records, median time of one
    embedding pass over their sentences, and the ratio of the two (model loaded beforehand)."""
    from clinsum.backends import extractive

    records = sorted((DEMO_DIR / "records").glob("*.txt"), key=lambda p: p.stat().st_size)[-2:]
    texts = [p.read_text(encoding="utf-8") for p in records]
    backend = get_backend("extractive", extractive.DEFAULT_MODEL)
    embed(["warm-up"])
    walls, passes = [], []
    for _ in range(runs):
        for text in texts:
            started = time.perf_counter()
            embed(sentences(text))
            passes.append(time.perf_counter() - started)
            extractive._VECTORS.clear()  # a record it has not seen, as a user's new paste
            started = time.perf_counter()
            backend.generate([{"role": "user", "content": text}], GenerationOptions())
            walls.append(time.perf_counter() - started)
    wall, one_pass = float(np.median(walls)), float(np.median(passes))
    return wall, one_pass, wall / one_pass


def main() -> None:
    rss_start = psutil.Process().memory_info().rss / 2**20
    records = sorted((DEMO_DIR / "records").glob("*.txt"))[:: 12 if QUICK else 6]
    backend = get_backend("extractive", "minilm-mmr")
    no_dedup = get_backend("extractive", "minilm-mmr", dedup=False)
    rouge = get_metric("rouge")
    ours_f, lead_f, ours_dup, plain_dup, seconds = [], [], 0, 0, []
    for path in records:
        ref_path = DEMO_DIR / "references" / path.name
        if not ref_path.is_file():
            continue
        text, reference = path.read_text(encoding="utf-8"), ref_path.read_text(encoding="utf-8")
        language = detect_language(text)
        started = time.perf_counter()
        result = backend.generate([{"role": "user", "content": text}],
                                  GenerationOptions(max_new_tokens=512))
        seconds.append(time.perf_counter() - started)
        baseline = lead(text, len(words(result.text)))
        ours_f.append(rouge.compute(result.text, reference, language=language).values["rouge1_f"])
        lead_f.append(rouge.compute(baseline, reference, language=language).values["rouge1_f"])
        copied = [{"role": "user", "content": with_copied_note(text)}]
        options = GenerationOptions(max_new_tokens=512)
        ours_dup += redundant_pairs(backend.generate(copied, options).text)
        plain_dup += redundant_pairs(no_dedup.generate(copied, options).text)
    rss = psutil.Process().memory_info().rss / 2**20
    ours, base = float(np.mean(ours_f)), float(np.mean(lead_f))
    print(f"{len(ours_f)} demo records; {np.mean(seconds):.2f} s per record; "
          f"RSS {rss_start:.0f} MB before, {rss:.0f} MB after")
    print(f"ROUGE-1 F: extractive {ours:.3f}, lead baseline {base:.3f}; near-duplicate "
          f"pairs: {ours_dup} with duplicate removal, {plain_dup} without")
    print(f"BENCH extractive_rouge1_vs_lead {ours / base:.2f} >=1.00 {'PASS' if ours >= base else 'MISS'}")
    passed = ours_dup < plain_dup or ours_dup == plain_dup == 0
    print(f"BENCH extractive_duplicate_pairs {ours_dup} <{plain_dup} {'PASS' if passed else 'MISS'}")
    print(f"BENCH extractive_rss_mb {rss:.0f} <=2048 {'PASS' if rss <= 2048 else 'MISS'}")
    wall, one_pass, ratio = speed_vs_embedding(1 if QUICK else 3)
    print(f"longest records: extractive {wall:.2f} s, one embedding pass over their sentences "
          f"{one_pass:.2f} s")
    print(f"BENCH extractive_wall_vs_embedding {ratio:.2f} <=1.50 {'PASS' if ratio <= 1.5 else 'MISS'}")


if __name__ == "__main__":
    main()
