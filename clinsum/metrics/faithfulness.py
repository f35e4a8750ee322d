"""Faithfulness flags: facts in a summary that its source does not support, as character spans.

Five kinds, each checked against what the source says:

- ``dose``: a number with a unit (``500 mg``, ``38,5 ºC``, ``120 mmHg``); units of mass and
  volume are converted (``1 g`` = ``1000 mg``);
- ``date``: ``12/03/2021``, ``2021-03-12``, ``12 de marzo de 2021``, ``March 12, 2021``
  (partial dates match any source date that agrees on the parts given);
- ``number``: any other number whose value the source never mentions;
- ``laterality``: izquierdo/derecho/bilateral/left/right next to a body part the source
  describes on another side, or a side the source never mentions;
- ``negation``: a negated finding (``sin fiebre``, ``denies chest pain``) that the source
  states without negation (``contradicts``) or never mentions (``not in source``).

Each flag is ``{"start", "end", "kind", "text", "reason"}`` with offsets into the summary, ready
for ``ui.highlight``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clinsum.metrics.base import LOWER, METRICS, Metric, MetricResult, Pair
from clinsum.metrics.codes import find_codes
from clinsum.text import strip_accents

KINDS = ("number", "dose", "date", "laterality", "negation")
_NUM = r"\d+(?:[.,]\d+)?"
_UNITS = {
    "mg": ("mg", 1.0), "g": ("mg", 1000.0), "gr": ("mg", 1000.0), "kg": ("kg", 1.0),
    "mcg": ("mg", 0.001), "µg": ("mg", 0.001), "μg": ("mg", 0.001), "ug": ("mg", 0.001),
    "ml": ("ml", 1.0), "cc": ("ml", 1.0), "l": ("ml", 1000.0), "dl": ("ml", 100.0),
    "ui": ("ui", 1.0), "u": ("ui", 1.0), "iu": ("ui", 1.0), "meq": ("meq", 1.0),
    "mmol": ("mmol", 1.0), "mmhg": ("mmhg", 1.0), "lpm": ("/min", 1.0), "bpm": ("/min", 1.0),
    "rpm": ("/min", 1.0), "%": ("%", 1.0), "ºc": ("c", 1.0), "°c": ("c", 1.0), "cm": ("cm", 1.0),
    "mm": ("mm", 1.0), "mg/dl": ("mg/dl", 1.0), "g/dl": ("g/dl", 1.0), "mg/kg": ("mg/kg", 1.0),
    "mmol/l": ("mmol/l", 1.0), "meq/l": ("meq/l", 1.0), "mg/l": ("mg/l", 1.0), "ng/ml": ("ng/ml", 1.0),
    "mg/h": ("mg/h", 1.0), "ml/h": ("ml/h", 1.0), "l/min": ("l/min", 1.0), "kcal": ("kcal", 1.0),
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_DOSE = re.compile(rf"(?<![\w.,])({_NUM})\s?({_UNIT_ALT})(?!\w|/[^\W\d_])", re.IGNORECASE)
_NUMBER = re.compile(rf"(?<![\w.,/]){_NUM}(?![\w])")
_LIST_MARKER = re.compile(r"(?m)^\s*\d+[.)]\s")
_MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b"), "dmy"),
    (re.compile(rf"\b(\d{{1,2}})\s+de\s+({_MONTH_ALT})(?:\s+(?:de|del)\s+(\d{{4}}))?\b", re.I), "d_month_y"),
    (re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_ALT}),?\s+(\d{{4}})\b", re.I), "d_month_y"),
    (re.compile(rf"\b({_MONTH_ALT})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I), "month_d_y"),
    (re.compile(rf"\b({_MONTH_ALT})\s+(?:de\s+|of\s+)?(\d{{4}})\b", re.I), "month_y"),
]
_SIDES = {
    "izquierdo": "left", "izquierda": "left", "izquierdos": "left", "izquierdas": "left",
    "izq": "left", "left": "left", "derecho": "right", "derecha": "right", "derechos": "right",
    "derechas": "right", "dcho": "right", "dcha": "right", "right": "right",
    "bilateral": "bilateral", "bilaterales": "bilateral", "ambos": "bilateral", "both": "bilateral",
}
_SIDE_RE = re.compile(r"\b(" + "|".join(sorted(_SIDES, key=len, reverse=True)) + r")\b", re.I)
_NEG_CUES = re.compile(
    r"\b(no|sin|niega|niegan|negó|negativ[oa]s?\s+para|ausencia\s+de|se\s+descarta|descarta|"
    r"descartad[oa]s?|libre\s+de|not|denies|denied|without|negative\s+for|absence\s+of|"
    r"ruled\s+out|free\s+of)\b",
    re.I,
)
_SKIP_WORDS = (
    "de del la el los las un una unos unas se ha han había hay presenta presentó presentaba "
    "refiere refirió observa observan observó objetiva objetivan evidencia evidencian aprecia "
    "aprecian muestra mostró tiene tenía signos datos otros otras nuevos nuevas ningún ninguna "
    "ninguno clínica clinica antecedentes a any signs sign evidence of is was were there has had "
    "have history the an acute known other new report reports reported"
)
_SKIP = set(_SKIP_WORDS.split())
_WORD = re.compile(r"[^\W\d_]+")
_CLAUSE_END = re.compile(r"[.;:\n,()]|\b(?:pero|aunque|y|e|but|and)\b", re.I)


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _key(word: str) -> str:
    """A crude stem for matching findings and body parts across inflections."""
    return strip_accents(word.lower())[:5]


def doses(text: str) -> list[tuple[int, int, tuple[str, float]]]:
    out = []
    for m in _DOSE.finditer(text):
        unit, factor = _UNITS[m.group(2).lower()]
        out.append((m.start(), m.end(), (unit, round(_num(m.group(1)) * factor, 6))))
    return out


def _year(value: str | None) -> int | None:
    if not value:
        return None
    year = int(value)
    return year + (2000 if year < 50 else 1900) if year < 100 else year


def dates(text: str) -> list[tuple[int, int, tuple[int | None, int | None, int | None]]]:
    """(start, end, (year, month, day)) for each date; ``dd/mm`` read day-first."""
    out: list[tuple[int, int, tuple[int | None, int | None, int | None]]] = []
    for pattern, form in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _ in out):
                continue
            g = m.groups()
            if form == "ymd":
                value = (int(g[0]), int(g[1]), int(g[2]))
            elif form == "dmy":
                value = (_year(g[2]), int(g[1]), int(g[0]))
            elif form == "d_month_y":
                value = (_year(g[2]), _MONTHS[g[1].lower()], int(g[0]))
            elif form == "month_d_y":
                value = (_year(g[2]), _MONTHS[g[0].lower()], int(g[1]))
            else:
                value = (_year(g[1]), _MONTHS[g[0].lower()], None)
            out.append((m.start(), m.end(), value))
    return sorted(out)


def _date_supported(value: tuple, source_dates: list[tuple]) -> bool:
    def agree(a: tuple, b: tuple) -> bool:
        return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))

    swapped = (value[0], value[2], value[1]) if value[2] is not None and value[2] <= 12 else None
    return any(agree(value, s) or (swapped and agree(swapped, s)) for s in source_dates)


def _content_words(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(m.start() + start, m.end() + start, m.group()) for m in _WORD.finditer(text[start:end])
            if m.group().lower() not in _SKIP and m.group().lower() not in _SIDES]


def laterality(text: str) -> list[tuple[int, int, str, set[str]]]:
    """(start, end, side, body-part keys nearby) for each laterality mention."""
    out = []
    for m in _SIDE_RE.finditer(text):
        before = _content_words(text, max(0, m.start() - 40), m.start())[-2:]
        after = _content_words(text, m.end(), min(len(text), m.end() + 25))[:1]
        out.append((m.start(), m.end(), _SIDES[m.group(1).lower()], {_key(w) for *_, w in before + after}))
    return out


def negations(text: str) -> list[tuple[int, int, str]]:
    """(cue start, finding end, finding key) for each negated finding."""
    out = []
    for m in _NEG_CUES.finditer(text):
        stop = _CLAUSE_END.search(text, m.end())
        limit = min(stop.start() if stop else len(text), m.end() + 60)
        words = _content_words(text, m.end(), limit)
        if words:
            _, end, word = words[0]
            out.append((m.start(), end, _key(word)))
    return out


@dataclass
class SourceFacts:
    """What a source says, extracted once and reused for every summary of that source."""

    doses: set
    dates: list
    numbers: set
    sides: list
    negated: set
    words: set

    @classmethod
    def of(cls, source: str) -> SourceFacts:
        return cls(
            doses={v for *_, v in doses(source)},
            dates=[v for *_, v in dates(source)],
            numbers={_num(m.group()) for m in _NUMBER.finditer(source)},
            sides=laterality(source),
            negated={k for *_, k in negations(source)},
            words={_key(w) for w in _WORD.findall(source)},
        )


def flags(summary: str, source: str, facts: SourceFacts | None = None) -> list[dict[str, Any]]:
    """Every unsupported fact in ``summary`` as a span dict, sorted by position."""
    facts = facts or SourceFacts.of(source)
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = [(c.start, c.end) for c in find_codes(summary)]

    def free(s: int, e: int) -> bool:
        return not any(s < te and ts < e for ts, te in taken)

    def flag(s: int, e: int, kind: str, reason: str) -> None:
        found.append({"start": s, "end": e, "kind": kind, "text": summary[s:e], "reason": reason})

    for s, e, value in doses(summary):
        if free(s, e) and value not in facts.doses:
            flag(s, e, "dose", "not in source")
        taken.append((s, e))
    for s, e, value in dates(summary):
        if free(s, e) and not _date_supported(value, facts.dates):
            flag(s, e, "date", "not in source")
        taken.append((s, e))
    list_markers = {m.end() for m in _LIST_MARKER.finditer(summary)}
    for m in _NUMBER.finditer(summary):
        s, e = m.span()
        if free(s, e) and _num(m.group()) not in facts.numbers and not any(
            s <= lm <= e + 2 for lm in list_markers
        ):
            flag(s, e, "number", "not in source")
    for s, e, side, parts in laterality(summary):
        same_part = [src for src in facts.sides if src[3] & parts]
        if same_part:
            if not any(src[2] == side for src in same_part):
                flag(s, e, "laterality", "contradicts source")
        elif not any(src[2] == side for src in facts.sides):
            flag(s, e, "laterality", "not in source")
    for s, e, finding in negations(summary):
        if finding in facts.negated:
            continue
        flag(s, e, "negation", "contradicts source" if finding in facts.words else "not in source")
    return sorted(found, key=lambda f: (f["start"], f["end"]))


@METRICS.register("faithfulness")
class Faithfulness(Metric):
    """``flags_total`` and ``flags_<kind>`` counts, ``flags_per_100_words``; spans in details."""

    name = "faithfulness"
    base_version = "1"
    directions = {"flags_total": LOWER, "flags_per_100_words": LOWER,
                  **{f"flags_{k}": LOWER for k in KINDS}}
    needs = ("source",)
    uses_reference = False

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        return self._compute(candidate, SourceFacts.of(source or ""))

    def compute_many(self, pairs: Sequence[Pair], progress=None) -> list[MetricResult]:
        facts: dict[str, SourceFacts] = {}
        out = []
        for i, p in enumerate(pairs):
            source = p.source or ""
            if source not in facts:
                facts[source] = SourceFacts.of(source)
            out.append(self._compute(p.candidate, facts[source]))
            if progress:
                progress(i + 1)
        return out

    def _compute(self, candidate: str, facts: SourceFacts) -> MetricResult:
        spans = flags(candidate or "", "", facts)
        n_words = len(_WORD.findall(candidate or "")) + len(_NUMBER.findall(candidate or ""))
        values: dict[str, float | None] = {
            "flags_total": float(len(spans)),
            "flags_per_100_words": 100 * len(spans) / n_words if n_words else None,
        }
        for kind in KINDS:
            values[f"flags_{kind}"] = float(sum(1 for f in spans if f["kind"] == kind))
        return MetricResult(values, {"spans": spans})
