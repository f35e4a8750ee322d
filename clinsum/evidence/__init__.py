"""Evidence-linked review: each summary sentence traced to the record sentences that support it,
labelled supported / partly supported / unsupported / contradicted (:mod:`.alignment`), stored per
generation and reference version and reviewed by physicians (:mod:`.stored`)."""

from clinsum.evidence.alignment import FLAGGED, LABELS, Alignment, SentenceEvidence, align
from clinsum.evidence.stored import get_alignment, label_reviews, review_label

__all__ = ["FLAGGED", "LABELS", "Alignment", "SentenceEvidence", "align", "get_alignment",
           "label_reviews", "review_label"]
