"""Expert annotation: annotators, review queue, rubric, edits, error spans, pairwise mode,
autosaved drafts, agreement statistics and exports. No streamlit here; the page is thin."""

from clinsum.annotation.annotators import list_annotators, passwords_required, sign_in
from clinsum.annotation.assignment import get_overlap, progress, queue, set_overlap
from clinsum.annotation.drafts import delete_draft, load_draft, save_draft
from clinsum.annotation.exports import dpo_rows, export, validated_rows
from clinsum.annotation.pairwise import create_pairs, get_pair, preferences, submit_pairwise
from clinsum.annotation.report import agreement_report
from clinsum.annotation.reviews import (
    apply_verdicts,
    get_annotation,
    list_annotations,
    submit_review,
)
from clinsum.annotation.spans import find_quote, make_span

__all__ = [
    "agreement_report", "apply_verdicts", "create_pairs", "delete_draft", "dpo_rows", "export",
    "find_quote", "get_annotation", "get_overlap", "get_pair", "list_annotations",
    "list_annotators", "load_draft", "make_span", "passwords_required", "preferences", "progress",
    "queue", "save_draft", "set_overlap", "sign_in", "submit_pairwise", "submit_review",
    "validated_rows",
]
