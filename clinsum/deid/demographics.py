"""What a Spanish record says about who the patient is, beyond name and age (gap fillers).

MEDDOCAN annotates a patient's origin, ethnicity, sexual orientation and marital status as
``ID_SUJETO_ASISTENCIA`` (``Mujer ecuatoriana de 65 años``, ``de raza caucásica``, ``varón
homosexual``, ``soltera``) and the sex written out as ``SEXO_SUJETO_ASISTENCIA`` (``de sexo femenino``,
``una niña``). These rules only fill places where the tagger found nothing.
"""

from __future__ import annotations

import re

from clinsum.deid.spans import Span

# demonyms as Spanish writes them (lower case), each with its feminine and plural forms
_NATIONS = ("ecuatorian|colombian|bolivian|peruan|venezolan|argentin|chilen|uruguay|paraguay|mexican|cuban|"
            "dominican|hondureñ|salvadoreñ|guatemaltec|brasileñ|ruman|búlgar|ucranian|polac|lituan|georgian|"
            "italian|británic|sirí|iraquí|iraní|afgan|nigerian|gambian|guinean|maliense|argelin|tunecin|egipci|"
            "vietnamita|filipin|chin|japones|coreana|coreano|hindú|indi|paquistaní|pakistaní|bangladesí|marroquí|"
            "saharaui|senegales|ghanes|camerunes|frances|alemán|aleman|portugues|holandes|ingles|irlandes|"
            "escoces|danes|sueco|sueca|noruego|noruega|finlandes|belga|suiz|austriac|hungar|checo|checa|"
            "griego|griega|ruso|rusa|armeni|francés|inglés|portugués|holandés|japonés|senegalés|irlandés|escocés|"
            "danés|finlandés|ghanés|camerunés")
_ENDINGS = r"(?:o|a)?"  # singular: plurals are mostly about others ("autores ingleses")
_ALWAYS = (rf"(?:(?:{_NATIONS}){_ENDINGS}|heterosexual|homosexual|bisexual|caucásic[oa]|subsaharian[oa]|magrebí|"
           r"latinoamerican[oa]|gitan[oa])")
# colours and broad groups that say origin only after "raza" or a word for the patient
_AFTER_RAZA = r"(?:blanc[oa]|negr[oa]|negroide|mestiz[oa]|oriental|asiátic[oa]|hispan[oa]|indígena|amerindi[oa])"
_PATIENT = (r"(?:paciente|mujer|varón|varon|hombre|niñ[oa]|chic[oa]|joven|lactante|adolescente|señora?|"
            r"adult[oa]|anciano|anciana)")
_NOT_BEFORE = r"(?<!tinta )(?<!tintas )"
ORIGIN: list[re.Pattern[str]] = [
    re.compile(rf"(?i:\braza)[ \t]+(?:{_AFTER_RAZA}|{_ALWAYS})\b"),
    re.compile(rf"(?i:\b(?:de[ \t]+)?(?:origen|nacionalidad|procedencia))[ \t]+(?P<v>(?i:{_ALWAYS}))\b"),
    re.compile(rf"(?i:\b{_PATIENT})[ \t]+(?P<v>{_AFTER_RAZA})\b(?=[ \t]+de[ \t]+\d)"),
    re.compile(rf"{_NOT_BEFORE}\b(?P<v>{_ALWAYS})\b"),
]
SEX = [
    re.compile(r"(?i:\bsexo)[ \t]+(?P<v>femenino|masculino)\b"),
    # "una niña", "el varón", "recién nacida hembra": the patient's sex in a word
    re.compile(r"(?i:\b(?:la|una|el|un|nacid[oa]))[ \t]+(?P<v>niña|niño|varón|hembra)\b"
               r"(?![ \t]+(?:(?:de[ \t]+)?(?:su|sus)|varón|mujer|hembra)\b)"),
    # "niño varón", "lactante mujer": the sex is the second word (2 of 2 in MEDDOCAN train)
    re.compile(r"(?i:\b(?:niñ[oa]|lactante|neonato|recién[ \t]+nacid[oa]|bebé))[ \t]+(?P<v>varón|mujer|hembra)\b"),
]
# marital status, in lower case ("Mujer de 29 años, soltera"; "Campos Casado" is a surname)
MARITAL = re.compile(r"\b(?:solter[oa]|casad[oa]|viud[oa]|divorciad[oa])\b")


def _after_a_name(text: str, start: int) -> bool:
    """Whether the word before ``start`` is capitalized: ``Caribe mexicano`` is a place."""
    before = re.search(r"(\w+)[ \t]+$", text[max(0, start - 40):start])
    return bool(before and before.group(1)[:1].isupper() and before.group(1).lower() not in _CAPITAL_OK)


_CAPITAL_OK = {"paciente", "mujer", "varón", "varon", "hombre", "niña", "niño", "raza", "origen", "nacionalidad",
               "procedencia", "joven", "señora", "señor", "chica", "chico"}


def demographic_spans(text: str) -> list[Span]:
    """Origin, ethnicity, orientation and marital status (``ID_SUJETO_ASISTENCIA``) and written-out sex, as
    gap fillers."""
    out = []
    for pattern in ORIGIN:
        group = "v" if "v" in pattern.groupindex else 0
        out += [Span(m.start(group), m.end(group), "ID_SUJETO_ASISTENCIA", m.group(group), "fill")
                for m in pattern.finditer(text) if not _after_a_name(text, m.start(group))]
    out += [Span(m.start(), m.end(), "ID_SUJETO_ASISTENCIA", m.group(), "fill") for m in MARITAL.finditer(text)]
    out += [Span(m.start("v"), m.end("v"), "SEXO_SUJETO_ASISTENCIA", m.group("v"), "fill")
            for pattern in SEX for m in pattern.finditer(text)]
    return out
