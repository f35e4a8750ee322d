"""A PHI span: character offsets into a text, its MEDDOCAN type and surface."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int
    type: str
    text: str
    # model | model-en (tagger on English text) | field (labelled value, letterhead) | form (fixed shape)
    # | rule | fill | propagated | gold
    source: str = "model"


#: labels of identifiers, clinicians' roles and courtesy titles, never PHI themselves (a tagger span cut by a field may leave
#: one: "NHC" of "NHC 334455", "Colegiado nº" of "Colegiado nº 282812345"; no gold span of MEDDOCAN train or dev
#: is made of these words only)
_NOTHING_WORDS = frozenset({
    "nhc", "dni", "nie", "nif", "nass", "nuss", "cip", "tsi", "cp", "tel", "tfno", "fax", "email", "e-mail", "mail",
    "colegiado", "colegiada", "col", "nº", "n", "º", "historia", "episodio", "médico", "médica", "adjunto", "adjunta",
    "jefe", "jefa", "de", "del", "servicio", "sección", "residente", "facultativo", "facultativa", "especialista",
    "enfermero", "enfermera", "supervisor", "supervisora", "coordinador", "coordinadora", "planta", "guardia",
    "gestor", "gestora", "casos", "enlace", "referente", "responsable", "titular", "don", "doña", "dña", "dª", "sr",
    "sra", "srta",
})
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?|º")


def match_span(m: re.Match[str], kind: str, source: str, group: str | int = "v") -> Span:
    """The span of ``m``'s ``group`` (the value a rule's pattern captures), of ``kind`` and ``source``."""
    return Span(m.start(group), m.end(group), kind, m.group(group), source)


def join_neighbours(spans: list[Span], join: Callable[[Span, Span], Span | None]) -> list[Span]:
    """``spans`` in order, each pair of neighbours that ``join(left, right)`` makes one span replaced by it."""
    out: list[Span] = []
    for s in sorted(spans):
        joined = join(out[-1], s) if out else None
        if joined:
            out[-1] = joined
        else:
            out.append(s)
    return out


def names_nothing(text: str) -> bool:
    """Whether ``text`` is only labels and roles (``Colegiado nº``, ``Médico Adjunto``, ``NHC``)."""
    words = _WORD.findall(text)
    return bool(words) and not re.search(r"\d", text) and all(w.lower() in _NOTHING_WORDS for w in words)


#: the types whose spans are proper names (of people, organisations, places)
PROPER_TYPES = ("NOMBRE_SUJETO_ASISTENCIA", "NOMBRE_PERSONAL_SANITARIO", "HOSPITAL", "INSTITUCION", "CENTRO_SALUD",
                "TERRITORIO")
#: lower wins: labelled fields and fixed shapes, then the tagger, then rules, gap fillers, copies
PRIORITY = {"field": -1, "form": -1, "gold": 0, "model": 0, "rule": 1, "fill": 1.5, "model-en": 2, "propagated": 3}
_TRIM = " \t,;:.-–(/"


def _inside(inner: Span, outer: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _rest(span: Span, kept: list[Span]) -> Span | None:
    """What is left of a tagger span cut at one end by a field or form span of another type
    (``Hospital General`` of ``Hospital General Servicio Castellano-Leonés de Salud``), or None."""
    hits = [k for k in kept if k.start < span.end and span.start < k.end]
    if len(hits) != 1 or hits[0].source not in ("field", "form") or hits[0].type == span.type \
            or _inside(span, hits[0]):
        return None
    cut = hits[0]
    if cut.start > span.start and cut.end >= span.end:
        start, end = span.start, cut.start
    elif cut.start <= span.start and cut.end < span.end:
        start, end = cut.end, span.end
    else:
        return None
    piece = span.text[start - span.start:end - span.start]
    left = len(piece) - len(piece.lstrip(_TRIM))
    piece = piece.strip(_TRIM)
    if len(piece) < 3 or not any(c.isalnum() for c in piece) or names_nothing(piece):
        return None
    if span.type in (*PROPER_TYPES, "CALLE", "PAIS") and not any(c.isupper() or c.isdigit() for c in piece):
        return None  # "el pasado" of "el pasado 3/4" read as a street: a name or place has a capital or a number
    return span._replace(start=start + left, end=start + left + len(piece), text=piece)


def remove_overlaps(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans: by :data:`PRIORITY`, then the longer.

    A rule span that contains a shorter tagger span of its type is the fuller reading of it and
    replaces every tagger span inside it; a tagger span that holds two rule spans of its type
    is read as those; a tagger span cut at one end by a field or a fixed form keeps the part
    outside it.
    """
    rules = [s for s in spans if s.source == "rule"]
    fuller = [r for r in rules if any(
        s.source.startswith("model") and s.type == r.type and _inside(s, r) and (r.end - r.start) > (s.end - s.start)
        for s in spans)]
    spans = [s for s in spans if not s.source.startswith("model") or not any(_inside(s, r) for r in fuller)
             and sum(r.type == s.type and _inside(r, s) for r in rules) < 2]
    ranked = sorted(spans, key=lambda s: (PRIORITY.get(s.source, 3), -(s.end - s.start), s.start))
    kept: list[Span] = []  # sorted by start; they never overlap, so their ends are sorted too
    starts: list[int] = []

    def free(span: Span) -> bool:
        i = bisect_left(starts, span.end)  # kept[:i] start before span ends; kept[i - 1] ends last
        return i == 0 or kept[i - 1].end <= span.start

    def keep(span: Span) -> None:
        i = bisect_left(starts, span.start)
        starts.insert(i, span.start)
        kept.insert(i, span)

    for span in ranked:
        if free(span):
            keep(span)
        elif span.source.startswith("model"):
            rest = _rest(span, kept)
            if rest and free(rest):
                keep(rest)
    return sorted(kept)
