"""What one sentence states, for checking it against other sentences (Spanish and English).

- :func:`split` cuts a text into sentences with character offsets (lines first, then
  :func:`clinsum.text.sentences` inside each line), so the UI can highlight them;
- :func:`stems`: content-word stems (accents folded, first 5 letters), function words left out;
- :func:`polarity`: each content stem with whether a negation cue (``no``, ``sin``, ``niega``,
  ``denies``, ``without`` …) governs it up to the end of its clause;
- :func:`sides`: laterality mentions (``izquierdo``, ``right``, ``bilateral``) with the body
  part they qualify;
- doses (value and unit, converted), dates and other numbers reuse the extractors of
  :mod:`clinsum.metrics.faithfulness`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from clinsum.metrics import faithfulness as ff
from clinsum.metrics.codes import find_codes
from clinsum.text import sentences, strip_accents

_WORD = re.compile(r"[^\W\d_]+")
_STOP_WORDS = """
a al algo algun alguna algunas alguno algunos ante antes aun asi cada como con contra cual
cuando de del desde donde dos durante e el ella ellas ellos en entre era es esa ese eso esta
estaba este esto fue fueron ha habia han hasta hay la las le les lo los mas me mi muy nada ni
no nos o os otra otras otro otros para pero poco por porque que quien se segun ser si sin
sobre solo su sus tambien tan tanto te tiene tras tu un una uno unos unas y ya
the of and to in with for is was on no at by as were an a or but not be been are from that
this it its has had have which who into after before during than then there their his her
also any all such these those
"""
_STOP = set(_STOP_WORDS.split())
_NEG = re.compile(
    r"\b(no|sin|ni|niega|niegan|nego|negativ[oa]s?(?:\s+para)?|ausencia\s+de|se\s+descarta|"
    r"descarta|descartad[oa]s?|libre\s+de|not|no\s+longer|denies|denied|deny|without|"
    r"negative\s+for|absence\s+of|ruled\s+out|free\s+of|nor|never)\b", re.I)
_CLAUSE_END = re.compile(r"[.;:\n()]|,(?!\s*(?:ni|nor|no|or|o)\b)|\b(?:pero|aunque|but|although)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.,/])\d+(?:[.,]\d+)?(?![\w])")
_SIDE_WORDS = {
    "izquierdo": "left", "izquierda": "left", "izquierdos": "left", "izquierdas": "left",
    "izq": "left", "left": "left", "derecho": "right", "derecha": "right", "derechos": "right",
    "derechas": "right", "dcho": "right", "dcha": "right", "right": "right",
    "bilateral": "bilateral", "bilaterales": "bilateral",
}
_SIDE_RE = re.compile(r"\b(" + "|".join(sorted(_SIDE_WORDS, key=len, reverse=True)) + r")\b", re.I)
_PART_SKIP = _STOP | {"tercio", "campo", "campos", "zona", "region", "lado", "side", "lower",
                      "upper", "inferior", "superior", "medio", "media", "finos", "leve", "leves"}


def fold(word: str) -> str:
    return strip_accents(word.lower())


def stem(word: str) -> str:
    return fold(word)[:5]


@dataclass(frozen=True)
class Sentence:
    """``text`` is ``source[start:end]``."""

    index: int
    start: int
    end: int
    text: str


def split(text: str) -> list[Sentence]:
    """Sentences of ``text`` with offsets (a line is never joined to the next)."""
    out: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        pos = 0
        for piece in sentences(line):
            found = line.find(piece, pos)
            if found < 0:
                continue
            pos = found + len(piece)
            if _WORD.search(piece) or re.search(r"\d", piece):
                out.append(Sentence(len(out), offset + found, offset + pos, piece))
        offset += len(line) + 1
    return out


_HEADING = re.compile(r"^\s*[-•*]?\s*[^\W\d_][^:\n]{0,40}:\s+(?=\S)")


def without_heading(text: str) -> str:
    """``text`` without a leading ``Heading:`` of at most four words (``Tratamiento al alta:``)."""
    m = _HEADING.match(text)
    return text[m.end():] if m and len(m.group().split()) <= 4 else text


def content_words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)
            if len(m.group()) > 2 and fold(m.group()) not in _STOP]


@lru_cache(maxsize=65536)
def stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for *_, w in content_words(text))


_LIST_SEP = re.compile(r",|\b(?:ni|nor|or|o|y|e|and)\b", re.I)
_SCOPE_END = re.compile(r"[.;:\n()]|\b(?:pero|aunque|but|although|que|which|who|con|with|tras|after)\b",
                        re.I)


_LIST_CLOSE = re.compile(r"\b(?:ni|nor|or|o)\b", re.I)


def _scope_end(text: str, start: int) -> int:
    """Where a negation starting at ``start`` stops: the end of its clause, or its first comma
    unless a list closes later (``sin ampollas, necrosis ni crepitación``)."""
    stop = _SCOPE_END.search(text, start)
    end = min(stop.start() if stop else len(text), start + 90)
    comma = text.find(",", start, end)
    if comma >= 0 and not _LIST_CLOSE.search(text, comma, end):
        end = comma
    return end


def _negated_starts(text: str) -> set[int]:
    """Start offsets of the words a negation governs: the first content word after each cue and
    after each list separator up to the end of its clause (``sin ampollas, necrosis ni
    crepitación``)."""
    heads: set[int] = set()
    for m in _NEG.finditer(text):
        end = _scope_end(text, m.end())
        cuts = [m.end()] + [sep.end() for sep in _LIST_SEP.finditer(text, m.end(), end)]
        for cut in cuts:
            nxt = next((w for w in content_words(text[cut:end])
                        if fold(w[2]) not in _SIDE_WORDS and not _NEG.fullmatch(w[2])), None)
            if nxt and not _LIST_SEP.search(text[cut:cut + nxt[0]]):
                heads.add(cut + nxt[0])
    return heads


NEGATED, IN_SCOPE, AFFIRMED, MIXED = "negated", "in_scope", "affirmed", "mixed"


@lru_cache(maxsize=65536)
def polarity(text: str) -> dict[str, str]:
    """``{stem: state}``: ``negated`` (a word a negation governs), ``in_scope`` (inside a
    negated clause but not governed, e.g. ``torácico`` in ``no dolor torácico``), ``affirmed``,
    or ``mixed`` when its occurrences differ."""
    heads = _negated_starts(text)
    scopes = []
    for m in _NEG.finditer(text):
        scopes.append((m.end(), _scope_end(text, m.end())))
    out: dict[str, str] = {}
    for start, _end, word in content_words(text):
        if fold(word) in _SIDE_WORDS or _NEG.fullmatch(word):
            continue
        state = NEGATED if start in heads else IN_SCOPE if any(s <= start < e for s, e in scopes) else AFFIRMED
        key = stem(word)
        out[key] = state if out.get(key, state) == state else MIXED
    return out


def sides(text: str) -> list[tuple[str, frozenset[str]]]:
    """(side, body-part stems next to it) for each laterality word."""
    out = []
    for m in _SIDE_RE.finditer(text):
        before = [w for *_, w in content_words(text[max(0, m.start() - 40):m.start()])
                  if fold(w) not in _PART_SKIP and fold(w) not in _SIDE_WORDS][-1:]
        after = [w for *_, w in content_words(text[m.end():m.end() + 30])
                 if fold(w) not in _PART_SKIP and fold(w) not in _SIDE_WORDS][:1]
        parts = before + after
        out.append((_SIDE_WORDS[m.group(1).lower()], frozenset(stem(w) for w in parts)))
    return out


@dataclass
class Facts:
    """Checkable facts of one sentence."""

    doses: list[tuple[tuple[str, float], str]] = field(default_factory=list)  # (value, drug stem)
    dates: list[tuple] = field(default_factory=list)
    numbers: set[float] = field(default_factory=set)
    sides: list[tuple[str, frozenset[str]]] = field(default_factory=list)


def _drug_before(text: str, start: int) -> str:
    words = [w for *_, w in content_words(text[max(0, start - 40):start])]
    return stem(words[-1]) if words else ""


@lru_cache(maxsize=65536)
def facts(text: str) -> Facts:
    found = Facts()
    taken: list[tuple[int, int]] = [(c.start, c.end) for c in find_codes(text)]
    for s, e, value in ff.doses(text):
        if not any(s < te and ts < e for ts, te in taken):
            found.doses.append((value, _drug_before(text, s)))
        taken.append((s, e))
    for s, e, value in ff.dates(text):
        found.dates.append(value)
        taken.append((s, e))
    for m in _NUMBER.finditer(text):
        if not any(m.start() < te and ts < m.end() for ts, te in taken):
            found.numbers.add(float(m.group().replace(",", ".")))
    found.sides = sides(text)
    return found


def date_supported(value: tuple, others: list[tuple]) -> bool:
    """Whether some date in ``others`` agrees with ``value`` on every part both give
    (a day ≤ 12 may also be read as the month)."""
    def agree(a: tuple, b: tuple) -> bool:
        return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))

    swapped = (value[0], value[2], value[1]) if value[2] is not None and value[2] <= 12 else None
    return any(agree(value, o) or (swapped is not None and agree(swapped, o)) for o in others)
