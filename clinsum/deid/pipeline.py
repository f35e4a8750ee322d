"""Finding PHI: the tagger, the fixed-form rules, and propagation of names found once.

``find_phi(text)`` returns non-overlapping spans; the tagger's own spans win over rules,
and rules over propagated copies (a name tagged once is also caught where the tagger
missed a repetition of exactly the same words).
"""

from __future__ import annotations

import re
from functools import lru_cache

from clinsum.deid.boundaries import (
    cut_at_heads,
    hospitals_named_after,
    name_tails,
    organisation_ends,
    street_towns,
    tidy_ends,
)
from clinsum.deid.places import codes_after_towns, is_country
from clinsum.deid.relatives import (
    is_spouse,
    plural_relatives,
    relatives_names,
    repair_ages,
    split_relative,
)
from clinsum.deid.rules import rule_spans, trim_titles
from clinsum.deid.rules_es import (
    CARE_ROLE_BEFORE,
    HEALTH_SERVICES,
    NOT_RELATIVE_BEFORE,
    PHONE_LABEL,
    TENS_AND,
    is_brand,
)
from clinsum.deid.spans import PROPER_TYPES, Span, join_neighbours, names_nothing, remove_overlaps
from clinsum.deid.tagger import CrfTagger, default_tagger, shipped_tagger
from clinsum.text import detect_language, whole_word_starts

_PROPAGATE = {"NOMBRE_SUJETO_ASISTENCIA", "NOMBRE_PERSONAL_SANITARIO", "HOSPITAL", "INSTITUCION", "CALLE",
              "TERRITORIO", "PAIS", "FECHAS", "CORREO_ELECTRONICO", "ID_SUJETO_ASISTENCIA", "ID_ASEGURAMIENTO"}


def propagate(text: str, spans: list[Span], types: set[str] = _PROPAGATE) -> list[Span]:
    """Other occurrences (whole words) of each found surface of ``types``."""
    out = []
    for surface, kind in {(s.text, s.type) for s in spans if s.type in types and len(s.text) >= 4}:
        out += [Span(at, at + len(surface), kind, surface, "propagated") for at in whole_word_starts(text, surface)]
    return out


def name_words(text: str, spans: list[Span]) -> list[Span]:
    """Each capitalized word (3+ letters: ``Ana``, ``Don``) of names found by the header rules, wherever it
    recurs (``Patient: Harold Brennan`` … ``Mr. Brennan``)."""
    words = {(word, s.type): None for s in spans
             if s.source in ("fill", "field") and s.type.startswith("NOMBRE_") and len(s.text.split()) <= 4
             for word in re.findall(r"\b[A-ZÁÉÍÓÚÑ][a-záéíóúñü]{2,}\b", s.text) if word not in _NOT_NAMES}
    # each word once, however many times its name was found (a header copied into every visit)
    return [Span(at, at + len(word), kind, word, "propagated") for word, kind in words
            for at in whole_word_starts(text, word)]


_DESCRIPTIONS = ("ID_SUJETO_ASISTENCIA", "OTROS_SUJETO_ASISTENCIA")
_ORGS = ("HOSPITAL", "INSTITUCION", "CENTRO_SALUD")
_ACRONYM = re.compile(r"[ \t]*\(([A-ZÁÉÍÓÚÑ]{2,10})\)")


def acronyms(text: str, spans: list[Span]) -> list[Span]:
    """The acronym in parentheses right after a hospital or institution, of the same type
    (``Hospital Universitario La Paz (HULP)``); propagation then finds it elsewhere."""
    out = []
    for s in spans:
        m = _ACRONYM.match(text, s.end) if s.type in _ORGS else None
        if m:
            out.append(Span(m.start(1), m.end(1), s.type, m.group(1), "fill"))
    return out


_EN_TYPES = ("FECHAS", "ID_", "NUMERO_", "CORREO_", "URL_", "DIREC_", "EDAD_")


def _fits_english(span: Span) -> bool:
    """Tagger spans kept on English text: forms that do not depend on Spanish words, and
    names made of capitalized words (``TIA`` or ``New HFrEF`` are not places or relatives)."""
    if span.type.startswith(_EN_TYPES):
        return True
    return span.type.startswith("NOMBRE_") and all(w[:1].isupper() and not w.isupper() for w in span.text.split())
_NOT_NAMES = {"Doctor", "Doctora", "Fictional", "Patient", "Paciente", "Hospital", "Unit", "Clinic"}


def find_phi(text: str, *, language: str | None = None, use_rules: bool = True,
             use_propagation: bool = True) -> list[Span]:
    """PHI spans of ``text`` (cached: a preview and the send that follows tag a record once)."""
    return list(_find_phi(default_tagger(), text, language, use_rules, use_propagation))


def clear_cache() -> None:
    """Forget cached results and the loaded tagger (after retraining the shipped model)."""
    _find_phi.cache_clear()
    shipped_tagger.cache_clear()


@lru_cache(maxsize=512)
def _find_phi(tagger: CrfTagger, text: str, language: str | None, use_rules: bool,
              use_propagation: bool) -> tuple[Span, ...]:
    """PHI spans of ``text`` (MEDDOCAN types), sorted, without overlaps.

    The tagger learned Spanish; on English text (``language`` or detected) the rules win
    where both found something, and its Spanish-only readings (``tía``, professions) are dropped.
    """
    language = language or detect_language(text)
    found = trim_titles(tagger.spans(text), text)
    if language == "en":
        found = [s._replace(source="model-en") for s in found if _fits_english(s)]
    else:
        found = fix_tagger_spans(text, found)
    spans = list(found)
    rules: list[Span] = []
    if use_rules:
        rules = rule_spans(text, language)
        if language != "en":
            rules = name_tails(cut_at_heads(rules, sources=("fill",)))
            found = extend_spans(found, rules)
            spans = list(found)
        # a description the tagger runs over a date or an age in words ("Lactante de 2 meses" as an
        # ID_SUJETO_ASISTENCIA) gives way to the rule's date or age
        timed = [r for r in rules if r.type in ("FECHAS", "EDAD_SUJETO_ASISTENCIA")]
        spans = [x for x in spans if x.type not in _DESCRIPTIONS
                 or not any(x.start <= r.start and r.end <= x.end and r != x for r in timed)]
        spans += rules
        fields = [r for r in rules if r.source == "field"]
        # what a label says wins: the tagger's other reading of a field is not copied elsewhere
        found = [s for s in found if not any(s.start < f.end and f.start < s.end for f in fields)]
        found += [f for f in fields if f.type.startswith("NOMBRE_")]
        spans = _as_rules_say(text, spans, rules)
        if use_propagation:
            spans += name_words(text, rules)
    named = acronyms(text, found)
    spans += named
    if use_propagation:
        spans += propagate(text, found + named + _places_filled(found, rules))
    kept = remove_overlaps(spans)
    if language == "en":
        return tuple(kept)
    named = hospitals_named_after(text, plural_relatives(text, relatives_names(text, kept)))
    return tuple(codes_after_towns(text, repair_ages(text, named)))


# an address the tagger runs on into the next words ("x@y.es 1Médico forense"): an address has no space
_EMAIL_RUN_ON = re.compile(r"(\S+@\S*\w)\s+\S")
# four digits that are no year of a record ("licencia municipal 4521"): a number that names something all the same
# (each bare four-digit date of MEDDOCAN train is a year of the 1900s or 2000s)
_NOT_A_YEAR = re.compile(r"(?!1[89]\d\d|20\d\d)\d{4}")
# nine digits or more in groups, after a phone's label ("Tel. celular 55 2345 6789"): no date has as many
_DIGIT_GROUPS = re.compile(r"\+?\d[\d .-]{7,}\d")


def _phone_read_as_date(text: str, span: Span) -> bool:
    """A tagger date that is nine digits or more in groups right after a phone's label."""
    return (bool(_DIGIT_GROUPS.fullmatch(span.text)) and sum(c.isdigit() for c in span.text) >= 9
            and bool(PHONE_LABEL.search(text, max(0, span.start - 25), span.start)))


_TWO_YEARS = re.compile(r"((?:19|20)\d\d)(\s+(?:y|e|o|a)\s+|\s*[-,]\s*)((?:19|20)\d\d)")
# "Informe clínico del paciente: Recién nacida hembra", "Se trataba de una recién nacida": the patient
# herself, not a relative (MEDDOCAN train marks such an opening newborn an age, never a relative)
_NEWBORN = re.compile(r"(?i)recién[ \t]+nacid[oa]|neonato")
_PATIENT_OPENING = re.compile(r"(?i)(?:\bpaciente:|\bse[ \t]+trata(?:ba)?[ \t]+de[ \t]+(?:un|una))[ \t]*$")
_LOWER_LEAD = re.compile(r"(?:[a-záéíóúñü]+[ \t]+)+(?=[A-ZÁÉÍÓÚÑ])")


def _lower_lead(span: Span) -> Span:
    """A name or place read with the lower-case words before it (``remitido por Ignacio Navarro``) starts at
    its first capital: 6 of 4,239 such MEDDOCAN train spans start in lower case."""
    m = _LOWER_LEAD.match(span.text) if span.type in PROPER_TYPES else None
    return span._replace(start=span.start + m.end(), text=span.text[m.end():]) if m else span


def _places_filled(found: list[Span], rules: list[Span]) -> list[Span]:
    """The places the rules found where the tagger found nothing (``vive sola en Torrelavega``): a town
    named once is named again."""
    return [r for r in rules if r.source == "fill" and r.type in ("TERRITORIO", "PAIS")
            and not any(f.start < r.end and r.start < f.end for f in found)]


_AFTER_DR = re.compile(r"\bDra?\.?[ \t]+$")
# what the tagger reads a name after "Dr." or a care role as
_TITLED_MISREADS = ("INSTITUCION", "HOSPITAL", "TERRITORIO", "CALLE", "PAIS", "NOMBRE_SUJETO_ASISTENCIA")


def _as_rules_say(text: str, spans: list[Span], rules: list[Span]) -> list[Span]:
    """The tagger's spans retyped by what the rules know of the same words: a name a label gives
    elsewhere (``Paciente: …``) is of the label's type (:func:`_labelled_inside`), and a name right
    after ``Dr.`` or a care role (``la enfermera``) that the tagger read as an organisation, a place or the
    patient is a clinician's."""
    labelled = {r.text: r.type for r in rules if r.source == "field" and r.type.startswith("NOMBRE_")}
    titled = {(r.start, r.end) for r in rules if r.type == "NOMBRE_PERSONAL_SANITARIO" and (
        r.source == "rule" and _AFTER_DR.search(text, max(0, r.start - 5), r.start)
        or r.source == "fill" and CARE_ROLE_BEFORE.search(text, max(0, r.start - 40), r.start))}
    out = []
    for span in spans:
        for piece in _labelled_inside(span, labelled) if span.source == "model" else [span]:
            if piece.source == "model" and (piece.start, piece.end) in titled and piece.type in _TITLED_MISREADS:
                piece = piece._replace(type="NOMBRE_PERSONAL_SANITARIO")
            out.append(piece)
    return out


def _labelled_inside(span: Span, labelled: dict[str, str]) -> list[Span]:
    """A tagger span read as something else than what a label says: a labelled name itself takes
    the label's type; a span that holds a labelled full name, as a name of the other person's type,
    is that person's (``Teresa`` + the patient's ``Puertas Rondon``), and one that runs the name into
    other words (``Ignacio Navarro Cuéllar desde Madrid`` read as one place) is cut: the name takes
    its label's type, each side of it left with a capitalized word keeps the tagger's, from that word
    on (``Madrid``). A relative's span keeps the family name it shares with the patient."""
    if span.text in labelled:
        return [span._replace(type=labelled[span.text])]
    if span.type == "FAMILIARES_SUJETO_ASISTENCIA":
        return [span]
    for surface, kind in labelled.items():
        whole_name = " " in surface.strip() and kind != span.type and surface != span.text
        starts = whole_word_starts(span.text, surface) if whole_name else []
        if not starts:
            continue
        if span.type.startswith("NOMBRE_"):
            return [span._replace(type=kind)]
        at = span.start + starts[0]
        out = [Span(at, at + len(surface), kind, surface, span.source)]
        for start, end in ((span.start, at), (at + len(surface), span.end)):
            piece = span.text[start - span.start:end - span.start]
            value = piece.strip(" \t,;:.-")
            if (value[:1].isupper() or _LOWER_LEAD.match(value)) and not names_nothing(value):
                offset = start + piece.index(value)
                out.append(_lower_lead(span._replace(start=offset, end=offset + len(value), text=value)))
        return sorted(out)
    return [span]


# "niño varón", "Lactante mujer": MEDDOCAN marks the sex word on its own (58 of 59 times in train)
_SEX_AFTER = re.compile(r"(?P<head>.*\S)[ \t]+(?P<sex>varón|varon|mujer|hembra|masculino|femenino)", re.I)


def _sex_apart(span: Span) -> list[Span]:
    """A tagger span (not a relative's) that ends in a sex word: the sex word is a ``SEXO_SUJETO_ASISTENCIA``."""
    m = _SEX_AFTER.fullmatch(span.text) if span.type not in ("SEXO_SUJETO_ASISTENCIA",
                                                              "FAMILIARES_SUJETO_ASISTENCIA") else None
    if not m:
        return [span]
    head = span._replace(end=span.start + m.end("head"), text=m.group("head"))
    sex = Span(span.start + m.start("sex"), span.end, "SEXO_SUJETO_ASISTENCIA", m.group("sex"), span.source)
    return [head, sex]


def _at_parens(span: Span) -> list[Span]:
    """A tagger span cut at parentheses (``padres jóvenes (madre``): 2 of 11,333 MEDDOCAN train spans hold one."""
    if "(" not in span.text and ")" not in span.text:
        return [span]
    out = []
    for m in re.finditer(r"[^()]+", span.text):
        piece = m.group().strip(" \t,;:.-")
        if len(piece) >= 2 and any(c.isalnum() for c in piece):
            start = span.start + m.start() + m.group().index(piece)
            out.append(span._replace(start=start, end=start + len(piece), text=piece))
    return out


def extend_spans(found: list[Span], rules: list[Span]) -> list[Span]:
    """Tagger spans that a hospital rule continues into untagged words (``Hospital Comarcal`` of
    ``Hospital Comarcal Ficticio de Valdeloma``) take the rule's end."""
    hospitals: dict[int, list[Span]] = {}
    for r in rules:
        if r.type == "HOSPITAL":
            hospitals.setdefault(r.start, []).append(r)
    out = []
    for s in found:
        for r in hospitals.get(s.start, []) if s.type == "HOSPITAL" else []:
            if r.end > s.end and not any(o.start < r.end and o.end > s.end for o in found if o is not s):
                s = s._replace(end=r.end, text=r.text)
        out.append(s)
    return out


# a hospital's unit or a university's department is not MEDDOCAN's organisation: 1 of 353 HOSPITAL and
# INSTITUCION spans of MEDDOCAN train starts with one of these words (a regional health service)
_UNIT = re.compile(r"(?:Unidad|Servicio|Departamento|Department|Secci[óo]n|Servei|Unitat|Departament|"
                   r"Hospital[ \t]+de[ \t]+D[íi]a)\b")
_ORG_HEAD = re.compile(r"\b(?:Hospital|Cl[íi]nica|Instituto?|Universi(?:dad|tat|ty)|College|Facultad|Fundaci[óo]n?|"
                       r"Centro|Complejo|Consorcio|Sanatorio|Policl[íi]nica|Asociaci[óo]n|Sociedad|Laboratorio|School|"
                       r"Institute|Clinic)\b")


def _headed_piece(span: Span) -> Span:
    """The one comma-separated piece of an organisation the tagger ran over a title or department
    (``MDS Reader, Department of Surgery, Meenakshi Dental College``) that names an organisation; the
    span as it was when none or several do (2 of 353 such MEDDOCAN train spans hold a comma)."""
    pieces = [m for m in re.finditer(r"[^,]+", span.text) if _ORG_HEAD.search(m.group())]
    if len(pieces) != 1:
        return span
    piece = pieces[0].group().strip()
    start = span.start + pieces[0].start() + pieces[0].group().index(piece)
    return span._replace(start=start, end=start + len(piece), text=piece)


def _organisation(span: Span) -> list[Span]:
    """A tagger organisation without the title or department it ran over, and none where it is only a
    unit (``Unidad Docente de Medicina Familiar``; a unit before an organisation word starts there)."""
    span = _headed_piece(span) if "," in span.text else span
    unit = _UNIT.match(span.text)
    if not unit or HEALTH_SERVICES.match(span.text):
        return [span]
    head = _ORG_HEAD.search(span.text, unit.end())
    if not head:
        return []
    return [span._replace(start=span.start + head.start(), text=span.text[head.start():])]


def _whole_number(text: str, span: Span) -> Span:
    """An age the tagger read without the tens before it (``dos años`` of ``ochenta y dos años``)."""
    m = TENS_AND.search(text, max(0, span.start - 16), span.start) if span.type in (
        "EDAD_SUJETO_ASISTENCIA", "FAMILIARES_SUJETO_ASISTENCIA") else None
    return span._replace(start=m.start(), text=text[m.start():span.end]) if m else span


# "HCD \"Gómez Ulla\"", "HULP": an acronym in capitals that starts with H names a hospital (each of MEDDOCAN train's 4)
_HOSPITAL_ACRONYM = re.compile(r"H[A-Z]{1,6}\b")


# a field's label read as PHI ("(NHC 334455)" with NHC as a place), a description that ends in a function word
# ("consulta acompañado de su"): no gold span of MEDDOCAN train or dev is either
_FUNCTION_WORD_END = re.compile(r"[ \t](?:de|del|su|sus|la|las|el|los|con|en|y|por|para|que)$")


def _misread(text: str, span: Span) -> bool:
    """A tagger span that is no PHI: a relative's word after what makes it something else (``médico de
    familia``), only labels and roles (``Médico Adjunto``), a description ending in a function word, a
    "place" longer than any place."""
    if span.type == "FAMILIARES_SUJETO_ASISTENCIA" and NOT_RELATIVE_BEFORE.search(text[max(0, span.start - 30):span.start]):
        return True
    # a line in capitals read as a place ("SINTÉTICO DE DEMOSTRACIÓN - TODOS LOS DATOS …"): MEDDOCAN's longest
    # gold place has 6 words
    if span.type in ("TERRITORIO", "PAIS") and len(span.text.split()) > 6:
        return True
    return names_nothing(span.text) or span.type in _DESCRIPTIONS and bool(_FUNCTION_WORD_END.search(span.text))


def fix_tagger_spans(text: str, spans: list[Span]) -> list[Span]:
    """Known misreadings of the Spanish tagger: two years read as one date (``1993 y 1994``), four
    digits that are no year read as one (a number all the same: ``OTROS_SUJETO_ASISTENCIA``), a phone
    after its label read as a date, a sex word read as part of a description (``niño varón``),
    ``familia`` of ``médico de familia`` or the newborn patient the report opens with read as a
    relative, an age in words without its tens, a relative and their name as one, two neighbours in a
    signature line read as one, a hospital's unit read as an organisation (or an organisation run over a
    title or department, or cut before the rest of its name), a hospital's acronym read as an
    institution (``HCD``), a brand read as its maker (``Acuprel®``), a street run into its town, an
    e-mail address run into the words after it, a country read as a ``TERRITORIO`` (704 of 708 MEDDOCAN
    train spans that are a country's name are a ``PAIS``) or in two pieces (``República`` |
    ``Argentina``), loose ends (:mod:`clinsum.deid.boundaries`)."""
    out = []
    pieces = [p for span in spans for part in _at_parens(_lower_lead(_whole_number(text, span))) for p in _sex_apart(part)]
    for s in street_towns(organisation_ends(text, tidy_ends(text, name_tails(cut_at_heads(pieces))))):
        m = _TWO_YEARS.fullmatch(s.text) if s.type == "FECHAS" else None
        if s.type == "FECHAS" and _NOT_A_YEAR.fullmatch(s.text):
            out.append(s._replace(type="OTROS_SUJETO_ASISTENCIA"))
        elif s.type == "FECHAS" and _phone_read_as_date(text, s):
            out.append(s._replace(type="NUMERO_TELEFONO"))
        elif m:
            out.append(Span(s.start, s.start + 4, "FECHAS", m.group(1), s.source))
            out.append(Span(s.end - 4, s.end, "FECHAS", m.group(3), s.source))
        elif _misread(text, s):
            continue
        elif is_spouse(text, s):
            out.append(s._replace(type="FAMILIARES_SUJETO_ASISTENCIA"))
        elif s.type == "FAMILIARES_SUJETO_ASISTENCIA" and _NEWBORN.fullmatch(s.text) \
                and _PATIENT_OPENING.search(text, max(0, s.start - 40), s.start):
            out.append(s._replace(type="EDAD_SUJETO_ASISTENCIA"))
        elif s.type == "FAMILIARES_SUJETO_ASISTENCIA":
            out += split_relative(s)
        elif s.type in ("HOSPITAL", "INSTITUCION") and s.source == "model":
            if s.type == "INSTITUCION" and _HOSPITAL_ACRONYM.match(s.text):
                s = s._replace(type="HOSPITAL")
            out += [] if is_brand(text, s.start, s.end) else _organisation(s)
        elif s.type == "CORREO_ELECTRONICO" and (run_on := _EMAIL_RUN_ON.match(s.text)):
            out.append(s._replace(end=s.start + run_on.end(1), text=run_on.group(1)))
        elif s.type == "TERRITORIO" and is_country(s.text):
            out.append(s._replace(type="PAIS"))
        else:
            out.append(s)
    return _countries_joined(text, out)


def _countries_joined(text: str, spans: list[Span]) -> list[Span]:
    """Two neighbouring tagger spans that together name a country (``República`` + ``Argentina``) as one ``PAIS``."""
    def join(last: Span, s: Span) -> Span | None:
        if text[last.end:s.start] == " " and is_country(text[last.start:s.end]):
            return Span(last.start, s.end, "PAIS", text[last.start:s.end], s.source)
        return None

    return join_neighbours(spans, join)
