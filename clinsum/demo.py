"""The demo workspace: synthetic records and reference summaries written for this project.

``load_demo(store, content=True)`` (what ``clinsum demo`` and the Home page do) also adds
candidate summaries, their scores and synthetic annotations (:mod:`clinsum.demo_content`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clinsum.config import DEMO_DIR
from clinsum.records.ingest import apply_import, plan_import, read_sources
from clinsum.references import add_reference
from clinsum.store import Store

DEMO_AUTHOR = "clinsum demo (synthetic)"


@dataclass
class DemoResult:
    records: int
    references: int
    skipped: bool
    generations: int = 0
    metric_values: int = 0
    annotations: int = 0


def load_demo(store: Store, only_if_empty: bool = True, content: bool = False,
              progress: Callable[[str, int, int], None] | None = None) -> DemoResult:
    """Import ``data/demo`` records and their references (idempotent: duplicates are skipped);
    with ``content``, also demo candidates, scores and annotations (``progress(stage, i, n)``)."""
    if only_if_empty and store.scalar("SELECT count(*) FROM records"):
        return DemoResult(0, 0, True)
    if progress:
        progress("records", 0, 1)
    drafts, problems = read_sources([DEMO_DIR / "records"])
    for draft in drafts:
        draft.source = "demo"
    plan = plan_import(store, drafts, problems)
    ids = apply_import(store, plan)
    n_refs = 0
    for draft, record_id in zip(plan.new, ids, strict=True):
        ref_file = DEMO_DIR / "references" / f"{draft.id}.txt"
        if ref_file.is_file():
            add_reference(
                store,
                record_id,
                ref_file.read_text(encoding="utf-8"),
                author=DEMO_AUTHOR,
                provenance={"source": "data/demo", "synthetic": True},
                status="validated",
            )
            n_refs += 1
    result = DemoResult(len(ids), n_refs, False)
    if content:
        from clinsum.demo_content import add_demo_content

        extra = add_demo_content(store, progress)
        result.generations, result.metric_values = extra.generations, extra.metric_values
        result.annotations = extra.annotations
    return result
