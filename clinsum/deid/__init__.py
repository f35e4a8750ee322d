"""De-identification of Spanish (and English) clinical text with MEDDOCAN's 29 PHI types.

``find_phi(text)`` finds spans (a CRF tagger shipped in ``data/``, fixed-form rules, and
propagation of repeated names); ``deidentify(text)`` replaces them with typed placeholders
(``[NOMBRE_1]``), the same surface always getting the same one; ``reidentify`` reverses it
with the mapping, which is stored only in the local workspace (``deidentify_record``).
"""

from __future__ import annotations

from collections.abc import Iterable

from clinsum.deid.pipeline import find_phi
from clinsum.deid.placeholders import Deidentified, Mapping, reidentify, replace
from clinsum.deid.spans import Span
from clinsum.deid.types import CLINICAL_TYPES, PHI_TYPES


def deidentify(text: str, keep: Iterable[str] = (), mapping: Mapping | None = None,
               language: str | None = None) -> Deidentified:
    """``text`` with PHI (except types in ``keep``) replaced by placeholders."""
    return replace(text, find_phi(text, language=language), mapping, keep)


__all__ = ["CLINICAL_TYPES", "PHI_TYPES", "Deidentified", "Mapping", "Span", "deidentify",
           "find_phi", "reidentify", "replace"]
