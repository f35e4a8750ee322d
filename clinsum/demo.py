"""The demo workspace: synthetic records and reference summaries written for this project."""

from __future__ import annotations

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


def load_demo(store: Store, only_if_empty: bool = True) -> DemoResult:
    """Import ``data/demo`` records and their references (idempotent: duplicates are skipped)."""
    if only_if_empty and store.scalar("SELECT count(*) FROM records"):
        return DemoResult(0, 0, True)
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
    return DemoResult(len(ids), n_refs, False)
