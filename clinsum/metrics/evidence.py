"""Evidence metrics: how much of a summary its record supports, sentence by sentence.

From :func:`clinsum.evidence.alignment.align`: ``evidence_supported_share`` (share of sentences labelled
supported), ``evidence_partly`` / ``evidence_unsupported`` / ``evidence_contradicted`` (counts)
and ``evidence_section_coverage`` (share of the record's clinical sections the supported
sentences draw on). Details hold each sentence's label, evidence and reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from clinsum.metrics.base import HIGHER, LOWER, METRICS, NEUTRAL, Metric, MetricResult, Pair


@METRICS.register("evidence")
class Evidence(Metric):
    """Sentence-level support of a summary by its source record."""

    name = "evidence"
    directions = {"evidence_supported_share": HIGHER, "evidence_partly": NEUTRAL,
                  "evidence_unsupported": LOWER, "evidence_contradicted": LOWER,
                  "evidence_section_coverage": HIGHER}
    needs = ("source",)
    uses_reference = False
    runs_on_cluster = "cpu"  # batches are Ray tasks on a cluster

    @property
    def base_version(self) -> str:  # type: ignore[override] - follows the alignment method
        from clinsum.evidence.alignment import VERSION

        return VERSION

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        from clinsum.evidence.alignment import align

        if not (candidate or "").strip():
            return self.empty()
        alignment = align(candidate, source or "")
        counts = alignment.counts()
        values: dict[str, float | None] = {
            "evidence_supported_share": alignment.supported_share(),
            "evidence_partly": float(counts["partly_supported"]),
            "evidence_unsupported": float(counts["unsupported"]),
            "evidence_contradicted": float(counts["contradicted"]),
            "evidence_section_coverage": alignment.section_coverage(),
        }
        details = {"sentences": [{"text": s.text, "label": s.label, "evidence": s.evidence,
                                  "reasons": s.reasons} for s in alignment.sentences],
                   "sections_used": [s["title"] or s["kind"] for s in alignment.sections if s["used"]]}
        return MetricResult(values, details)

    def compute_many(self, pairs: Sequence[Pair],
                     progress: Callable[[int], None] | None = None) -> list[MetricResult]:
        from clinsum.evidence.alignment import bundled_embedder

        # embed every distinct record's and summary's sentences in one batch, then align
        from clinsum.evidence.facts import split

        texts = [s.text for p in pairs for t in (p.source or "", p.candidate or "") for s in split(t)]
        bundled_embedder(list(dict.fromkeys(texts)))
        return super().compute_many(pairs, progress)
