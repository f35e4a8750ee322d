"""Demo content beyond the records: candidate summaries, their scores, synthetic annotations.

So that a fresh ``clinsum demo`` opens on content (Compare, every Explorer view, agreement,
metric validity), a few demo records get summaries from three offline methods (extractive
MMR and TextRank with the bundled MiniLM, and the lead-k baseline), every local metric is
computed, and two clearly synthetic demo annotators rate the references and judge pairs of
candidates. Everything is marked as demo data: annotator names start with ``demo``, the
generations carry ``params.demo = true``, comments say the rating is synthetic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.store import Store

KIND = "demo_content"
JOB_KINDS.register(KIND, "clinsum.demo_content:run_demo_content_job")

#: (backend, model) of each demo method: offline and quick
DEMO_METHODS = (("extractive", "minilm-mmr"), ("extractive", "minilm-textrank"), ("extractive", "lead-k"))
DEMO_ANNOTATORS = ("demo-ana (sintetica)", "demo-luis (sintetico)")
DEMO_COMMENT = "Valoración sintética de demostración / synthetic demo rating"
#: demo metrics: every local one except BERTScore, which embeds every pair again (slow on 2 cores)
DEMO_METRICS = ("rouge", "bleu", "meteor", "lexical", "codes", "faithfulness")
DEMO_RECORDS = 4
Progress = Callable[[str, int, int], None]


@dataclass
class DemoContent:
    generations: int
    metric_values: int
    annotations: int


def demo_record_ids(store: Store, n: int = DEMO_RECORDS) -> list[str]:
    """The shortest demo records that have a reference, Spanish first (mostly Spanish, some English)."""
    rows = store.fetch_dicts(
        "SELECT r.id, r.language FROM records r WHERE r.source = 'demo'"
        " AND EXISTS (SELECT 1 FROM reference_summaries s WHERE s.record_id = r.id)"
        " ORDER BY length(r.text), r.id")
    spanish = [r["id"] for r in rows if r["language"] == "es"]
    other = [r["id"] for r in rows if r["language"] != "es"]
    n_other = min(len(other), max(1, n // 3))
    return sorted(spanish[: n - n_other] + other[:n_other])


def add_demo_content(store: Store, progress: Progress | None = None) -> DemoContent:
    """Candidates, scores and synthetic annotations for the demo records (skips what exists)."""
    record_ids = demo_record_ids(store)
    made = _candidates(store, record_ids, progress)
    if progress:
        progress("score", 0, 1)
    from clinsum.metrics.scoring import score_workspace

    report = score_workspace(store, DEMO_METRICS)
    if progress:
        progress("annotate", 0, 1)
    annotations = _annotations(store, record_ids)
    return DemoContent(made, report.total_computed, annotations)


def run_demo_content_job(ctx: JobContext) -> None:
    """The job behind the Home page's demo button (progress messages are UI string keys)."""
    def progress(stage: str, done: int, total: int) -> None:
        ctx.check_stop()
        ctx.progress(done, total if total > 1 else None, f"home.demo_step.{stage}")

    made = add_demo_content(ctx.store, progress)
    ctx.log(event="demo_content", generations=made.generations, metric_values=made.metric_values,
            annotations=made.annotations)


def _candidates(store: Store, record_ids: list[str], progress: Progress | None) -> int:
    from clinsum.backends import GenerationOptions
    from clinsum.generation import save_generation, summarize

    existing = {(r["record_id"], r["model"]) for r in store.fetch_dicts(
        "SELECT record_id, model FROM generations WHERE backend = 'extractive'")}
    made = 0
    total = len(record_ids) * len(DEMO_METHODS)
    for i, record_id in enumerate(record_ids):
        for j, (backend, model) in enumerate(DEMO_METHODS):
            if progress:
                progress("summarize", i * len(DEMO_METHODS) + j, total)
            if (record_id, model) in existing:
                continue
            result = summarize(store, record_id, backend, model, options=GenerationOptions(max_new_tokens=400))
            save_generation(store, record_id, result, params={"demo": True})
            made += 1
    return made


def _annotations(store: Store, record_ids: list[str]) -> int:
    """Both demo annotators review each demo reference and judge two pairs of candidates."""
    from clinsum.annotation.annotators import register
    from clinsum.annotation.pairwise import create_pairs, submit_pairwise
    from clinsum.annotation.reviews import get_annotation, submit_review
    from clinsum.annotation.rubric import CRITERION_NAMES, PAIR_CRITERION_NAMES

    rng = random.Random(18)
    for name in DEMO_ANNOTATORS:
        register(store, name)
    done = 0
    refs = store.fetch_dicts(
        "SELECT id, record_id FROM reference_summaries WHERE status = 'validated'"
        f" AND record_id IN ({', '.join('?' * len(record_ids))}) ORDER BY record_id", record_ids)
    for ref in refs:
        base = rng.choice([3, 4, 4, 5])
        for k, name in enumerate(DEMO_ANNOTATORS):
            if get_annotation(store, "reference", ref["id"], name):
                continue
            scores = {c: max(3, min(5, base + (rng.choice([-1, 0, 0, 1]) if k else 0)))
                      for c in CRITERION_NAMES}
            submit_review(store, name, ref["id"], scores=scores, verdict="accept", comment=DEMO_COMMENT)
            done += 1
    create_pairs(store, "generations", record_ids=record_ids[:3], seed=18, max_per_record=2)
    pairs = store.fetch_dicts("SELECT id FROM pairwise_items ORDER BY record_id, id")
    for pair in pairs:
        lean = rng.choice([-1, 0, 1])
        for k, name in enumerate(DEMO_ANNOTATORS):
            if get_annotation(store, "pairwise", pair["id"], name):
                continue
            scores = {c: max(-2, min(2, lean + (rng.choice([-1, 0]) if k else 0))) for c in PAIR_CRITERION_NAMES}
            submit_pairwise(store, name, pair["id"], scores, comment=DEMO_COMMENT)
            done += 1
    return done


def start_demo_content(store: Store) -> str:
    """Submit the demo-content job (the Home page's button); its id."""
    from clinsum import jobs

    return jobs.submit(store, KIND, {})


def latest_demo_job(store: Store) -> dict | None:
    """The newest demo-content job (id, status), if any."""
    from clinsum import jobs

    row = store.fetch_one("SELECT id FROM jobs WHERE kind = ? ORDER BY created_at DESC LIMIT 1", [KIND])
    return jobs.info(store, row["id"]) if row else None
