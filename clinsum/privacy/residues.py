"""The residual scan: a second, high-recall pass over text that has been de-identified.

It flags what could still identify someone: runs of capitalised words with a word that is
neither medical nor common (letterheads, place names), long digit runs that are not doses,
lab values or codes, anything shaped like a date, an age, an address, a bed or a record id.
Placeholders (``[NOMBRE_1]``) are never flagged. A residue is masked, or a person marks it safe.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from clinsum.deid.placeholders import PLACEHOLDER_RE
from clinsum.privacy.vocabulary import english_names, fold, is_known, name_words
from clinsum.text import whole_word_starts

KINDS = ("name", "number", "date", "age", "address", "location", "record_id")

_MONTHS_ES = "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
_MONTHS_EN = "January|February|March|April|June|July|August|September|October|November|December"
_NUM_WORDS = (
    "un|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|dieciséis|"
    "diecisiete|dieciocho|diecinueve|veinte|veinti\\w+|treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa|"
    "cien|ciento|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\\w+teen|twenty|thirty|forty|"
    "fifty|sixty|seventy|eighty|ninety|hundred"
)
_ORDINALS = (
    "primero|segundo|tercero|cuarto|quinto|sexto|séptimo|octavo|noveno|décimo|first|second|third|fourth|fifth|"
    "sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\\w+teenth|twentieth|twenty-\\w+|thirtieth|thirty-first"
)
_UNITS = (r"(?:mg|mcg|µg|g|kg|ml|mL|l|L|UI|U|ui|mmol|mEq|meq|mmHg|cm|mm|m|%|lpm|bpm|rpm|h|min|s|/mm3|/µl|/ul|/L|/l|"
          r"/dl|/dL|cél|cel|copias|copies|ng|pg|IU|units?|unidades|x10|×10|mosm|kcal)")

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("date", re.compile(r"\b\d{1,2}([/.-])\d{1,2}\1\d{2,4}\b(?![.,]\d)|\b(?:[0-2]?\d|3[01])/(?:0?[1-9]|1[0-2])\b(?![/.,]\d)")),
    ("date", re.compile(r"\b(?:0?[1-9]|1[0-2])[/.-](?:19|20)\d\d\b")),
    ("date", re.compile(r"\b(?:19|20)\d\d\b")),
    ("date", re.compile(rf"\b(?:{_MONTHS_ES})\b", re.I)),
    ("date", re.compile(rf"\b(?:{_MONTHS_EN})\b|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+\d")),
    ("date", re.compile(r"\bMay\b(?=\s+(?:\d|of\b))|(?<=\d\s)May\b|(?<=of\s)May\b")),
    ("date", re.compile(rf"\b(?:{_ORDINALS})\s+(?:de|of)\b", re.I)),
    ("age", re.compile(r"\b\d{1,3}\s*(?:-|\s)?(?:year|yr|month|week|day)s?(?:-|\s)old\b|\b\d{1,3}\s*(?:yo|y/o|y\.o\.)",
                       re.I)),
    ("age", re.compile(r"\b(?:aged?|edad(?:\s+de)?)\s+\d{1,3}\b", re.I)),
    ("age", re.compile(rf"(?<!m[aá]s )(?<!menos )(?<!hace )(?<!durante )(?<!tras )(?<!desde )(?<!los )(?<!hasta )"
                       rf"\bde\s+(?:\d{{1,3}}|(?:{_NUM_WORDS})(?:\s+y\s+\w+)?)\s+(?:años|meses|semanas|días)"
                       r"(?!\s+(?:y\s+medio\s+)?de\s+(?:evolución|duración|tratamiento|seguimiento|antigüedad|"
                       r"edad gestacional))", re.I)),
    ("age", re.compile(rf"\b(?:{_NUM_WORDS})(?:[\s-]+\w+)?[\s-]+years?[\s-]+old\b|\b(?:{_NUM_WORDS})\s+años\s+de\s+edad\b",
                       re.I)),
    ("address", re.compile(
        # a lower-case street word is one only before a name on the same line ("valorar plaza. La …" is no address)
        r"\b(?:C/|(?:Calle|Avda|Av|Avenida|Ctra|Carretera|Pza|Plaza|Paseo|Pº|Camino|Ronda|"
        r"Travesía|Urb|Urbanización|Barrio|Pol|Polígono Industrial|Carrer|Avinguda|Passeig|Plaça|Rambla|Travessera|Rúa)"
        r"(?:\.|\b)|(?:calle|avenida|carretera|plaza|paseo|carrer|avinguda|passeig|rambla|rúa)\b(?!\.))"
        r"[ \t]*(?:(?:de|del|do|da|dos|das)[ \t]+(?:la[ \t]+|los[ \t]+)?|d['’](?:en[ \t]+)?)?"
        r"[A-ZÁÉÍÓÚÑ0-9][^\n,;()]{0,40}(?:,[ \t]*(?:n[º°o]\.?[ \t]*)?\d+[^\n,;()]{0,12})?")),
    ("address", re.compile(r"\b\d{1,6}\s+(?:[A-Z][\w'-]*\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|"
                           r"Boulevard|Blvd|Way|Court|Ct|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy)\b\.?")),
    ("address", re.compile(r"\b(?:Apt|Apartment|Suite|PO Box|P\.O\. Box)\.?\s*#?\s*\d\w*")),
    ("address", re.compile(r",\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b")),
    ("location", re.compile(r"\b(?:cama|habitaci[oó]n|hab\.|box|bed|room|planta)\s*(?:n[º°o]\.?|#)?\s*:?\s*\d[\w.-]*",
                            re.I)),
    ("number", re.compile(r"\+?\(?\d[\d .()/-]{3,}\d")),
    ("address", re.compile(r"\b(?:https?://|www\.)[^\s\x00<>\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("date", re.compile(r"(?<=\s)(?:0?[1-9]|1[0-2])/(?:1[3-9]|2\d|3[01])\b(?![/.,]\d)")),
    ("number", re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+)+\b|\b[A-Z]{1,3}\d{5,}\b"
                          r"|\b\d{4}[\s-]?[B-DF-HJ-NP-TV-Z]{3}\b|\b[A-Z0-9]{10,17}\b(?<=\d\w)")),
]

_CAP_WORD = r"[A-ZÁÉÍÓÚÑÜ][\wÁÉÍÓÚÑÜáéíóúñü'’-]*"
_CAP_RUN = re.compile(rf"(?<![\w\u00aa\u00ba]){_CAP_WORD}(?:[ \t]+(?:(?:de|del|la|las|los|y|of|the|and|van|von|da|di)[ \t]+)*{_CAP_WORD})*")
_UNIT_AFTER = re.compile(rf"\s*{_UNITS}(?![A-Za-z])")
_CODE = re.compile(r"^[A-Z]\d{2}(?:\.\d{1,4})?$")


@dataclass(frozen=True)
class Residue:
    start: int
    end: int
    kind: str
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "kind": self.kind, "text": self.text}


def _blank_placeholders(text: str) -> str:
    """``text`` with each placeholder replaced by NULs of the same length (offsets kept, no word joins them)."""
    return PLACEHOLDER_RE.sub(lambda m: "\x00" * len(m.group(0)), text)


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def _is_measure(text: str, start: int, end: int, value: str) -> bool:
    """A dose, lab value or ratio: one decimal/thousands separator or a unit right after."""
    if _UNIT_AFTER.match(text, end):
        return True
    groups = re.split(r"[ .()/-]+", value.strip("+()"))
    return len(groups) <= 2 and "/" in value and _digits(value) <= 6  # 132/88, 1/58


def _numbers(text: str) -> list[Residue]:
    out = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            value = m.group(0).rstrip(" .-/(")
            end = m.start() + len(value)
            if kind == "number" and re.fullmatch(r"[+(]?\d[\d .()/-]*", value):
                if _digits(value) < 5 or _is_measure(text, m.start(), end, value):
                    continue
                if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?", value):  # 250.000 platelets
                    continue
            if kind == "number" and (_CODE.match(value) or _digits(value) < 4):
                continue
            if kind == "date" and re.fullmatch(r"\d{1,2}[/.-]\d{1,2}", value) and (
                    _UNIT_AFTER.match(text, end) or re.fullmatch(r"\d/\d", value)
                    or _SCORE_BEFORE.search(text, max(0, m.start() - 30), m.start())):
                continue  # 4/5 strength, 3/5 criteria, Apgar 9/10: a score, not a date
            out.append(Residue(m.start(), end, kind, value))
    return out


# a scale's name right before its score ("Apgar 9/10", "Glasgow 14/15", "EVA 7/10")
_SCORE_BEFORE = re.compile(r"(?i)\b(?:apgar|glasgow|gcs|eva|ena|mmse|barthel|fuerza|score|puntuaci[óo]n)[ \t:]*"
                           r"(?:\d{1,2}[/-]\d{1,2}[ \t,y]*)?$")
# a scale, sign, test or disease named after someone: the words around a name that make it an eponym
_EPONYM_AFTER = re.compile(r"[ \t]+(?:score|scale|criteria|sign|test|classification|index|maneuver|manoeuvre|"
                           r"syndrome|disease|bowel[ \t]+prep)\b", re.I)
_EPONYM_OF = (r"(?:escala|signo|criterios?|test|síndrome|sindrome|enfermedad|maniobra|índice|indice|clasificación|"
              r"clasificacion|puntuación|tinción|prueba|reflejo|anemia|score)[ \t]+de[ \t]+")
_EPONYM_BEFORE = re.compile(rf"\b{_EPONYM_OF}$", re.I)
_EPONYM_LEAD = re.compile(_EPONYM_OF, re.I)  # the run opens with it: "Test de O'Sullivan"


def _eponym(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` names a scale, sign, test or disease (``Alvarado score``)."""
    return bool(_EPONYM_AFTER.match(text, end) or _EPONYM_BEFORE.search(text, max(0, start - 20), start)
                or _EPONYM_LEAD.match(text, start, end))


def _common_shape(word: str) -> bool:
    """A word that ends as Spanish and English nouns and adjectives do, and is no known name (``María``,
    ``Concepción`` and ``Machado`` end so too)."""
    folded = fold(word)
    return folded.endswith(_FOLDED_SUFFIXES) and folded not in name_words()


_SUFFIXES = ("ción", "sión", "ía", "ismo", "itis", "osis", "emia", "oma", "algia", "patía", "logía", "scopia",
             "grafía", "mente", "ante", "ente", "able", "ible", "ivo", "iva", "oso", "osa", "ico", "ica", "ado", "ada",
             "ido", "ida", "ce", "be", "tion", "sion", "ness", "ment", "ing", "ed", "ly", "ous", "ive", "ity")
_FOLDED_SUFFIXES = tuple(fold(s) for s in _SUFFIXES)


def _word_known(word: str, lowercase_here: set[str]) -> bool:
    """A word that identifies nobody: lower case, known, seen in lower case here, an acronym or a code."""
    if not word[:1].isupper() or len(word) <= 2 or any(c.isdigit() for c in word):
        return True
    if word.isupper() and len(word) <= 4 or sum(c.isupper() for c in word) >= 2 and not word.isupper():
        return True
    folded = fold(word)
    stems = [folded] + ([folded[:-1]] if folded.endswith("s") else []) + ([folded[:-2]] if folded.endswith("es") else [])
    return any(is_known(s) or s in lowercase_here for s in stems)


_INSTITUTION = {"hospital", "clinic", "clinica", "center", "centre", "centro", "institute", "instituto", "sanatorio",
                "ambulatorio", "residencia", "cap", "cs", "university", "universidad", "infirmary", "policlinica"}
_GENERIC = _INSTITUTION | {"general", "universitario", "universitaria", "medical", "medico", "community", "regional",
                           "memorial", "cancer", "de", "del", "la", "el", "los", "las", "the", "of", "salud", "health",
                           "fictional", "ficticio", "ficticia", "y", "and", "children", "infantil", "materno", "mental",
                           "atencion", "primaria", "especialidades"}


def _institution(words: list[str]) -> bool:
    """A named institution: an institution word and some word that is not generic (``Meridian``)."""
    folded = [fold(w) for w in words]
    return any(w in _INSTITUTION for w in folded) and any(w not in _GENERIC for w in folded)


def _names(text: str) -> list[Residue]:
    lowercase_here = {fold(w) for w in re.findall(r"\b[a-záéíóúñü]+\b", text)}
    out = []
    for m in _CAP_RUN.finditer(text):
        run = m.group(0).rstrip(".-'’")
        words = [w for token in run.split() for w in (
            [token] if any(c.isdigit() for c in token) else re.findall(r"[^\W_]+", token))]
        unknown = [w for w in words if not _word_known(w, lowercase_here)]
        before = text[max(0, m.start() - 6):m.start()].rstrip(" \t-•*")
        opener = not before or before[-1] in "\n.:;!?(\"«"
        if opener and unknown and unknown[0] == words[0] and _common_shape(words[0]):
            unknown = unknown[1:]  # a sentence opening with a common word ("Clasificación de Child-Pugh")
        if len(words) == 1 and unknown:
            after = text[m.start() + len(run):m.start() + len(run) + 1]
            if after == ":" or opener and fold(run) in english_names():
                unknown = []  # a heading, or a sentence opening with a common word ("Young", "Frank")
        if unknown and _eponym(text, m.start(), m.start() + len(run)):
            unknown = []  # "Alvarado score 9", "escala de Downton", "Test de O'Sullivan"
        if unknown or len(words) > 1 and _institution(words):
            out.append(Residue(m.start(), m.start() + len(run), "name", run))
    return out


def scan(text: str, *, forbidden: tuple[str, ...] | list[str] = (), safe: set[str] | frozenset[str] = frozenset()
         ) -> list[Residue]:
    """Residues of ``text`` (sorted, non-overlapping: the longer wins); ``forbidden`` strings (record
    ids) are always residues; residues whose text is in ``safe`` are left out."""
    blank = _blank_placeholders(text)
    found = _numbers(blank) + _names(blank)
    for word in forbidden:
        if len(word) >= 3:
            found += [Residue(at, at + len(word), "record_id", word) for at in whole_word_starts(blank, word)]
    found.sort(key=lambda r: (r.kind != "record_id", -(r.end - r.start), r.start))
    kept: list[Residue] = []  # by start; kept residues never overlap, so only the neighbours can
    starts: list[int] = []
    for r in found:
        if r.text in safe or not r.text.strip():
            continue
        at = bisect.bisect_left(starts, r.start)
        if (at == 0 or kept[at - 1].end <= r.start) and (at == len(kept) or r.end <= kept[at].start):
            kept.insert(at, r)
            starts.insert(at, r.start)
    return kept
