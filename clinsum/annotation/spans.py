"""Error spans: a stretch of the reference (or, for an omission, of the record) with a type
from the clinical taxonomy and a severity. Offsets are character offsets, end exclusive."""

from __future__ import annotations

from typing import Any

from clinsum.annotation.rubric import ERROR_TYPES, SEVERITIES
from clinsum.errors import InputError

TARGETS = ("reference", "record")


def find_quote(text: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
    """Offsets of the ``occurrence``-th appearance of ``quote`` in ``text``."""
    quote = quote.strip()
    if not quote:
        raise InputError("Type or paste the words the error is about.")
    pos = -1
    for _ in range(max(1, occurrence)):
        pos = text.find(quote, pos + 1)
        if pos < 0:
            raise InputError(
                f"The text {quote!r} was not found (occurrence {occurrence}).",
                hint="Copy the words exactly as they appear, accents and capitals included.",
            )
    return pos, pos + len(quote)


def make_span(
    text: str,
    error_type: str,
    severity: str,
    *,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
    occurrence: int = 1,
    note: str = "",
    target: str = "reference",
) -> dict[str, Any]:
    """A checked span from offsets or from a quoted substring of ``text``."""
    if quote is not None and (start is None or end is None):
        start, end = find_quote(text, quote, occurrence)
    span = {"start": start, "end": end, "type": error_type, "severity": severity,
            "note": note.strip(), "target": target}
    return check_span(span, text)


def check_span(span: dict[str, Any], text: str) -> dict[str, Any]:
    """Validate one span against the text it points into; return it with its quote."""
    if span.get("type") not in ERROR_TYPES:
        raise InputError(f"Unknown error type {span.get('type')!r}; use one of {', '.join(ERROR_TYPES)}.")
    if span.get("severity") not in SEVERITIES:
        raise InputError(f"Unknown severity {span.get('severity')!r}; use one of {', '.join(SEVERITIES)}.")
    target = span.get("target") or "reference"
    if target not in TARGETS:
        raise InputError(f"A span points into the reference or the record, not {target!r}.")
    start, end = span.get("start"), span.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        raise InputError(
            f"The span {start}–{end} is outside the text (0–{len(text)}).",
            hint="Start must be smaller than end, and both inside the text.",
        )
    return {**span, "target": target, "quote": text[start:end], "note": str(span.get("note") or "")}


def check_spans(spans: list[dict[str, Any]], reference: str, record: str) -> list[dict[str, Any]]:
    """Validate every span against the text its ``target`` names, sorted by position."""
    checked = [check_span(s, record if s.get("target") == "record" else reference) for s in spans or []]
    return sorted(checked, key=lambda s: (s["target"], s["start"], s["end"]))
