"""Clinical codes in a summary against its source: ICD-10 / CIE-10, ATC and procedure codes.

A code in the summary is supported when the source has the same code or a more specific one
(``I21`` is supported by ``I21.9``). Precision: supported codes over codes in the summary;
recall: source codes the summary keeps. Details list each code found (with its span), the
invented ones (in the summary, not in the source) and the missing ones.

Bare three-character ICD-10 categories and ATC levels 3–4 look like many other things (``B12``
after "vitamina"), so they count only near a keyword (CIE, ICD, ATC, código, dx); codes with a
decimal part, full ATC codes (``N02BE01``) and ICD-10-PCS procedure codes count anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clinsum.metrics.base import HIGHER, LOWER, METRICS, NEUTRAL, Metric, MetricResult, Pair

_KEYWORD = re.compile(
    r"\b(?:CIE|ICD|ATC|CPT|c[óo]d(?:igo|e)s?|dx|diagn[óo]stico|diagnosis|procedimiento|procedure)\b",
    re.IGNORECASE,
)
_ICD_FULL = re.compile(r"\b[A-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4}\b")
_ICD_BARE = re.compile(r"\b[A-Z]\d{2}\b")
_ATC_FULL = re.compile(r"\b[A-HJ-NP-SV]\d{2}[A-Z]{2}\d{2}\b")
_ATC_PART = re.compile(r"\b[A-HJ-NP-SV]\d{2}[A-Z]{1,2}\b")
_PCS = re.compile(r"\b[0-9BCDFGHX][0-9A-HJ-NP-Z]{6}\b")
_ICD9_PROC = re.compile(r"\b\d{2}\.\d{1,2}\b")
_NOT_CODE_BEFORE = re.compile(r"(?:vitamina?|vit\.?|factor|complejo|grupo)\s*$", re.IGNORECASE)
KEYWORD_WINDOW = 40


@dataclass(frozen=True)
class Code:
    code: str
    kind: str  # icd10 | atc | procedure
    start: int
    end: int

    @property
    def key(self) -> str:
        return self.code.replace(".", "").upper()


def _near_keyword(text: str, start: int) -> bool:
    return bool(_KEYWORD.search(text[max(0, start - KEYWORD_WINDOW):start]))


def find_codes(text: str) -> list[Code]:
    """Every clinical code in ``text`` with its kind and character span (no overlaps)."""
    found: list[Code] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match, kind: str) -> None:
        s, e = match.span()
        if any(s < te and ts < e for ts, te in taken):
            return
        if _NOT_CODE_BEFORE.search(text[max(0, s - 12):s]):
            return
        taken.append((s, e))
        found.append(Code(match.group(), kind, s, e))

    for m in _ATC_FULL.finditer(text):
        add(m, "atc")
    for m in _PCS.finditer(text):
        token = m.group()
        if sum(c.isdigit() for c in token) >= 2 and any(c.isalpha() for c in token):
            add(m, "procedure")
    for m in _ICD_FULL.finditer(text):
        add(m, "icd10")
    for m in _ATC_PART.finditer(text):
        if re.search(r"\bATC\b", text[max(0, m.start() - KEYWORD_WINDOW):m.start()], re.I):
            add(m, "atc")
    for m in _ICD_BARE.finditer(text):
        if _near_keyword(text, m.start()):
            add(m, "icd10")
    for m in _ICD9_PROC.finditer(text):
        if re.search(r"procedim|procedure|CIE-?9|ICD-?9", text[max(0, m.start() - KEYWORD_WINDOW):m.start()], re.I):
            add(m, "procedure")
    return sorted(found, key=lambda c: c.start)


def _supported(code: Code, source_keys: set[str]) -> bool:
    return any(key.startswith(code.key) for key in source_keys)


@METRICS.register("codes")
class Codes(Metric):
    """``codes_precision``, ``codes_recall``, ``codes_invented``, ``codes_missing``, ``codes_n``."""

    name = "codes"
    base_version = "1"
    directions = {"codes_precision": HIGHER, "codes_recall": HIGHER, "codes_invented": LOWER,
                  "codes_missing": LOWER, "codes_n": NEUTRAL}
    needs = ("source",)
    uses_reference = False

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        return self._compute(candidate, find_codes(source or ""))

    def compute_many(self, pairs: Sequence[Pair], progress=None) -> list[MetricResult]:
        cache: dict[str, list[Code]] = {}
        out = []
        for i, p in enumerate(pairs):
            source = p.source or ""
            if source not in cache:
                cache[source] = find_codes(source)
            out.append(self._compute(p.candidate, cache[source]))
            if progress:
                progress(i + 1)
        return out

    def _compute(self, candidate: str, source_codes: list[Code]) -> MetricResult:
        summary_codes = find_codes(candidate or "")
        source_keys = {c.key for c in source_codes}
        summary_keys = {c.key for c in summary_codes}
        invented = [c for c in summary_codes if not _supported(c, source_keys)]
        missing = sorted({c.code for c in source_codes
                          if not any(c.key.startswith(k) for k in summary_keys)})
        unique_summary = {c.key for c in summary_codes}
        supported = {c.key for c in summary_codes if _supported(c, source_keys)}
        values: dict[str, float | None] = {
            "codes_precision": len(supported) / len(unique_summary) if unique_summary else None,
            "codes_recall": (len(source_keys) - len(missing)) / len(source_keys) if source_keys else None,
            "codes_invented": float(len({c.key for c in invented})),
            "codes_missing": float(len(missing)),
            "codes_n": float(len(unique_summary)),
        }
        details: dict[str, Any] = {
            "found": [{"code": c.code, "kind": c.kind, "start": c.start, "end": c.end} for c in summary_codes],
            "invented": sorted({c.code for c in invented}),
            "missing": missing,
        }
        return MetricResult(values, details)
