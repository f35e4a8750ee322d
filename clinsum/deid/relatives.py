"""Relatives and ages after tagging (Spanish): a relative's name and age are the relative's, an age in a
sentence about a relative too, a time since an event or ago is no age, relatives named together are one.

MEDDOCAN types a relative, the relative's name and the relative's age ``FAMILIARES_SUJETO_ASISTENCIA``
and only the patient's age ``EDAD_SUJETO_ASISTENCIA``; the counts in the docstrings are MEDDOCAN train's.
"""

from __future__ import annotations

import re

from clinsum.deid.rules_es import CO_OFFICIAL_KIN, KIN_WORDS, NUMBER_WORDS
from clinsum.deid.spans import Span

# "madre Carmen", "hermano Juan de 2 años", "hija de 50 años de nombre Natalia Ruiz": MEDDOCAN
# marks the relative, the relative's name and the age as separate spans
_RELATIVE_NAME = re.compile(r"(?P<head>.*?\S)(?:\s+de\s+nombre)?\s+(?P<name>[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+"
                            r"(?:\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)*)(?:\s+de\s+(?P<age>\d+\s+\w+))?")
_RELATIVE = rf"(?:{KIN_WORDS}|pareja|cuñad[oa]s?|suegr[oa]s?|yerno|nuera|{CO_OFFICIAL_KIN})"
_RELATIVE_WORD = re.compile(rf"(?i:\b{_RELATIVE}\b|\bfamili)")
_RELATIVE_ONLY = re.compile(rf"(?i:\b{_RELATIVE}\b)")
_AT_AGE = re.compile(r"(?i:\ba[ \t]+los)[ \t]+$")
_AGE = re.compile(r"(?i)\d{1,3}[ \t]+(?:años|meses|semanas|días)|" + NUMBER_WORDS + r"[ \t]+(?:años|meses|semanas|días)")
_SINCE_BEFORE = re.compile(r"(?i:\b(?:a|hasta|desde)[ \t]+los)[ \t]+$")
# what follows a time since an event: "del trasplante", "de la cirugía", "de seguimiento", "de iniciado el
# tratamiento" (not "de colitis": "diagnosticada a los 18 años de colitis ulcerosa" is an age)
_SINCE_AFTER = re.compile(r"[ \t]+(?:del|tras|después|de[ \t]+(?!(?:edad|vida)\b)(?:la|las|los|el|su|sus|este|esta|nuestr[oa]|"
                          r"ingreso|evolución|seguimiento|tratamiento|postoperatorio|internamiento|controles|control|"
                          r"incubación|[a-záéíóúñ]+(?:ad[oa]s?|id[oa]s?|ar|er|ir)))\b")
# "hace más de 30 años", "Ocho años atrás", "en los últimos años": a time ago, never an age on MEDDOCAN train (0 of 46)
_AGO_BEFORE = re.compile(r"(?i:\bhace(?:[ \t]+(?:más|menos)[ \t]+de|[ \t]+unos|[ \t]+casi)?)[ \t]+$")
_AGO_AFTER = re.compile(r"[ \t]+(?:atrás|antes)\b")
_RELATIVE_BEFORE = re.compile(rf"(?i:\b{_RELATIVE})(?:[ \t]+[a-záéíóúñ]+|,?[ \t]+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+,?){{0,3}}[ \t]+de[ \t]+$")


# "su madre (María)", "su esposo, Diego Maldonado", "su hermano Juan": a relative written in lower case,
# then the relative's name
# (and "su ex mujer, Rosa María Pinto", "dos hijas (Andrea y Lucía)": the second name of a pair in parentheses)
# (a relative in capitals only where a sentence starts: "Padre, Luis, de 35 años", never "Dos Hermanas, Sevilla")
_BEFORE_RELATIVES_NAME = re.compile(rf"(?:\b{_RELATIVE}|(?m:^|(?<=[.;:][ \t]))[ \t]*(?i:{_RELATIVE})|"
                                    r"\bsu[ \t]+(?:ex[ \t-]+)?(?:mujer|marido|novi[oa]))"
                                    r"(?:[ \t]+(?:mayor|menor|matern[oa]|patern[oa]))?"
                                    r"(?:,[ \t]*|[ \t]*\([ \t]*(?:[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+[ \t]+y[ \t]+)?|[ \t]+)"
                                    r"(?:(?:el|la)[ \t]+)?(?:(?:Sr|Sra|Srta|D|Dña|Doña|Don)\.?[ \t]+)?$")
# what the tagger reads a relative's name as: a patient, a clinician, a place, even an institution
_NAME_LIKE = ("NOMBRE_SUJETO_ASISTENCIA", "NOMBRE_PERSONAL_SANITARIO", "PAIS", "TERRITORIO", "INSTITUCION", "HOSPITAL")
_NAME_WORD = r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+(?:-[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)?"  # and a double surname (Sánchez-Valverde)
_NAME_SHAPE = re.compile(rf"{_NAME_WORD}(?:[ \t]+(?:y[ \t]+)?{_NAME_WORD})*")


# "Marisa Llorente (hija)", "Rocío Ibáñez (madre, 38 a., enfermera)": a name with its relation after it in parentheses
_RELATION_AFTER = re.compile(rf"[ \t]*\((?:su[ \t]+)?{_RELATIVE}[),]")


def relatives_names(text: str, spans: list[Span]) -> list[Span]:
    """A name right after a relative (``su madre (María)``, ``su esposo, Diego Maldonado Jimenez``) or with
    its relation after it (``Marisa Llorente (hija)``) is the relative's: MEDDOCAN types it
    ``FAMILIARES_SUJETO_ASISTENCIA`` (each such name of train), where the tagger reads a patient, a
    clinician or even a country."""
    return [s._replace(type="FAMILIARES_SUJETO_ASISTENCIA")
            if s.type in _NAME_LIKE and _NAME_SHAPE.fullmatch(s.text)
            and (_BEFORE_RELATIVES_NAME.search(text, max(0, s.start - 40), s.start) or _RELATION_AFTER.match(text, s.end))
            else s for s in spans]


# "los padres Teresa y Juan Carlos", "sus padres Ana Vidal Sotillo y Nicolás Garrido": relatives in the plural and
# their names, one span (each such run of MEDDOCAN train is one gold relative, 2 of 2)
_PLURAL_RELATIVES = re.compile(
    r"\b(?:padres|hermanos|hermanas|hijos|hijas|abuelos|tíos|tios|primos|sobrinos|nietos)"
    rf"(?:[ \t]+(?:matern|patern)[oa]s)?,?[ \t]+{_NAME_SHAPE.pattern}")
_NAMED_TYPES = ("FAMILIARES_SUJETO_ASISTENCIA", *_NAME_LIKE, "CALLE")


def plural_relatives(text: str, spans: list[Span]) -> list[Span]:
    """Relatives in the plural followed by their names joined by ``y`` as one ``FAMILIARES_SUJETO_ASISTENCIA``
    span, where only name-like spans (however typed) lie over them."""
    for m in _PLURAL_RELATIVES.finditer(text):
        if not re.search(r"[ \t]y[ \t]", m.group()):
            continue
        over = [s for s in spans if s.start < m.end() and m.start() < s.end]
        if not over or any(s.type not in _NAMED_TYPES or s.start < m.start() or s.end > m.end() for s in over):
            continue
        spans = sorted([s for s in spans if s not in over]
                       + [Span(m.start(), m.end(), "FAMILIARES_SUJETO_ASISTENCIA", m.group(), "rule")])
    return spans


def repair_ages(text: str, spans: list[Span]) -> list[Span]:
    """An age right after a relative (``madre de 28 años``) is the relative's: MEDDOCAN types it
    ``FAMILIARES_SUJETO_ASISTENCIA``, never the patient's age, as it does ``a los 65 años`` in a
    sentence about a relative (``Padre fallecido a los 65 años``: 8 of 9 such ages of MEDDOCAN train,
    while 0 of 207 ``a los`` ages in other sentences are a relative's); an age read as a relative's with no
    relative earlier in its sentence (``hasta los dos meses de edad``) is the patient's; and ``a los 2
    años del trasplante`` is a time since an event, not an age (71 of 74 times in MEDDOCAN train), as are
    ``hace 22 años``, ``ocho años atrás`` and ``los últimos años`` (never an age in train)."""
    out = []
    for s in spans:
        if s.type == "EDAD_SUJETO_ASISTENCIA" and (
                (_SINCE_AFTER.match(text, s.end) and _SINCE_BEFORE.search(text, max(0, s.start - 12), s.start))
                or _AGO_BEFORE.search(text, max(0, s.start - 16), s.start) or _AGO_AFTER.match(text, s.end)
                or s.text.lower().startswith("últimos")):
            continue
        if s.type == "EDAD_SUJETO_ASISTENCIA" and (
                _RELATIVE_BEFORE.search(text, max(0, s.start - 40), s.start)
                or _AT_AGE.search(text, max(0, s.start - 8), s.start)
                and _RELATIVE_ONLY.search(_sentence_before(text, s.start))):
            s = s._replace(type="FAMILIARES_SUJETO_ASISTENCIA")
        elif (s.type == "FAMILIARES_SUJETO_ASISTENCIA" and _AGE.fullmatch(s.text)
              and not _RELATIVE_WORD.search(_sentence_before(text, s.start))):
            s = s._replace(type="EDAD_SUJETO_ASISTENCIA")
        out.append(s)
    return out


def _sentence_before(text: str, at: int) -> str:
    """The words of ``at``'s sentence before it (at most 200 characters back)."""
    return re.split(r"[.\n;]\s", text[max(0, at - 200):at])[-1]


# "su mujer": the patient's wife, never the sex of the patient (6 of 6 in train and dev)
_SPOUSE = re.compile(r"(?i)mujer|marido|esposa|esposo")
_HIS_HER = re.compile(r"(?i)\bsu[ \t]+(?:ex[ \t-]+)?$")


def is_spouse(text: str, span: Span) -> bool:
    """A sex word the tagger read after ``su`` (``su mujer``, ``su ex marido``) is the patient's spouse."""
    return (span.type == "SEXO_SUJETO_ASISTENCIA" and bool(_SPOUSE.fullmatch(span.text))
            and bool(_HIS_HER.search(text, max(0, span.start - 8), span.start)))


def split_relative(span: Span) -> list[Span]:
    """A relative the tagger read with their name and age (``madre Carmen``, ``hermano Juan de 2 años``) as the
    separate spans MEDDOCAN marks: the relative, the name, the age."""
    m = _RELATIVE_NAME.fullmatch(span.text)
    if not m or not m.group("head")[:1].islower():
        return [span]
    return [Span(span.start + m.start(g), span.start + m.end(g), span.type, m.group(g), span.source)
            for g in ("head", "name", "age") if m.group(g)]
