"""Patterns for PHI with a fixed form, in Spanish and English texts.

These complement the tagger: e-mails, URLs, IP addresses, DNI/NIE, dates, phone numbers
after a phone label, and the values of labelled header fields of English records
(``Name:``, ``MRN:``, ``DOB:`` …). Where the tagger found a span already, it wins.
"""

from __future__ import annotations

import re

from clinsum.deid.rules_es import spanish_rule_spans
from clinsum.deid.spans import Span

_MONTHS = (
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("CORREO_ELECTRONICO", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("URL_WEB", re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:)]")),
    ("DIREC_PROT_INTERNET", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("ID_SUJETO_ASISTENCIA", re.compile(r"\b(?:\d{8}[- ]?[A-HJ-NP-TV-Z]|[XYZ][- ]?\d{7}[- ]?[A-HJ-NP-TV-Z])\b")),
    ("FECHAS", re.compile(r"\b(?:0?[1-9]|[12]\d|3[01])([/.-])(?:0?[1-9]|1[0-2])\1(?:19|20)?\d\d\b(?![/.-]\d)"
                          r"|\b(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b")),
    ("FECHAS", re.compile(r"\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:19|20)\d\d\b")),
    ("FECHAS", re.compile(rf"\b\d{{1,2}}[º°]?\s+de\s+(?:{_MONTHS})(?:\s+(?:de|del)\s+\d{{4}})?\b", re.I)),
    ("FECHAS", re.compile(rf"\b(?:{_MONTHS})(?:\s+(?:de|del))?\s+(?:19|20)\d\d\b", re.I)),
    ("FECHAS", re.compile(rf"\b(?:{_MONTHS})-\d\d\b", re.I)),
    # a holiday dates the day ("el día de Nochebuena", "en Nochevieja")
    ("FECHAS", re.compile(r"\b(?:Nochebuena|Nochevieja|[Dd][íi]a[ \t]+de[ \t]+(?:Navidad|Reyes|Año[ \t]+Nuevo)|Navidad)\b")),
    ("FECHAS", re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I)),
    ("NUMERO_TELEFONO", re.compile(
        r"(?i)\b(?:tel|telf|tfno|tel[eé]fono|m[oó]vil|phone)\b\.?:?[ \t]*(?P<v>\+?[\d(][\d ()-]{6,}\d)")),
    ("NUMERO_FAX", re.compile(r"(?i)\bfax\b\.?:?[ \t]*(?P<v>\+?[\d(][\d ()-]{6,}\d)")),
]

# Spanish hospitals and clinics named in capitals or title case (``HOSPITAL GENERAL DE VILLASERENA``)
_CONNECT = r"(?:de|del|la|las|los|y|DE|DEL|LA|LAS|LOS|Y)"
_CAP = r"[A-ZÁÉÍÓÚÑ][\w'’-]*"
SPANISH_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("HOSPITAL", re.compile(
        rf"(?<!Entrevista )\b(?!(?:Hospital|HOSPITAL)[ \t]+(?:de|DE)[ \t]+(?:D[íi]a|D[ÍI]A)\b)"
        rf"(?:Hospital|HOSPITAL|Complejo Hospitalario|COMPLEJO HOSPITALARIO|Clínica|CLÍNICA|"
        rf"H\.(?:[ \t]*U\.)?(?![ \t]*(?:[Pp]ylori|[Ii]nfluenzae|[Pp]arainfluenzae|[Dd]ucreyi|[Hh]aemolyticus)\b))"
        rf"(?:[ \t]+{_CONNECT})*(?:[ \t]+{_CAP}(?:[ \t]+{_CONNECT})*)*[ \t]+{_CAP}")),
]

# English institutions: capitalized words before Hospital / Clinic / Medical Center …
ENGLISH_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("HOSPITAL", re.compile(r"\b(?:[A-Z][\w'’-]+[ \t]+){1,4}(?:Hospital|Medical Center|Medical Centre)\b")),
    ("CENTRO_SALUD", re.compile(r"\b(?:[A-Z][\w'’-]+[ \t]+){1,4}(?:Clinic|Health Center|Health Centre)\b")),
]

# a title and up to three capitalized words: staff after Dr./Prof., patients after Mr./Mrs./Ms. and the
# Spanish Sr./Sra./Srta./Dña. (a courtesy title is never a clinician's: "El Sr. Tomás Aguirre acude …")
_TITLED = re.compile(r"\b(?P<t>Dr|Dra|Prof|Mr|Mrs|Ms|Sr|Sra|Srta|Dña|Dª|Doña)\.?[ \t]+"
                     r"(?P<v>[A-ZÁÉÍÓÚÑ][\w'’-]+(?:[ \t]+(?:(?:de|del|la|y)[ \t]+)?[A-ZÁÉÍÓÚÑ][\w'’-]+){0,2})")
_COURTESY = ("Sr", "Sra", "Srta", "Dña", "Dª", "Doña")
# a signature line, where "D." is a clinician's
_SIGNATURE = re.compile(r"(?i)\b(?:remitido|responsable|correspondencia|fdo|firmado|autor|médico|doctor)")
# "D. Faustino Gil": "D." names a man when a first name and a surname follow (never "vitamina D. Tras")
_DON = re.compile(r"(?<![Vv]itamina )(?<![Gg]rupo )(?<![Tt]ipo )(?<!Dr\. )(?<!Dra\. )\bD\.[ \t]+"
                  r"(?P<v>[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+(?:[ \t]+(?:(?:de|del|la|y)[ \t]+)?[A-ZÁÉÍÓÚÑ][a-záéíóúñü'’-]+){1,3})")

# header fields (Spanish and English): label -> type of the value after the colon
_FIELDS = {
    "paciente": "NOMBRE_SUJETO_ASISTENCIA", "nombre": "NOMBRE_SUJETO_ASISTENCIA",
    "apellidos": "NOMBRE_SUJETO_ASISTENCIA", "nombre y apellidos": "NOMBRE_SUJETO_ASISTENCIA",
    "médico": "NOMBRE_PERSONAL_SANITARIO", "médico responsable": "NOMBRE_PERSONAL_SANITARIO",
    "facultativo": "NOMBRE_PERSONAL_SANITARIO",
    "enfermera": "NOMBRE_PERSONAL_SANITARIO",
    "nhc": "ID_SUJETO_ASISTENCIA", "historia clínica": "ID_SUJETO_ASISTENCIA",
    "nº historia": "ID_SUJETO_ASISTENCIA", "dni": "ID_SUJETO_ASISTENCIA", "nie": "ID_SUJETO_ASISTENCIA",
    "nif": "ID_SUJETO_ASISTENCIA", "nass": "ID_ASEGURAMIENTO", "cip": "ID_ASEGURAMIENTO",
    "tarjeta sanitaria": "ID_ASEGURAMIENTO", "episodio": "ID_CONTACTO_ASISTENCIAL",
    "domicilio": "CALLE", "dirección": "CALLE", "localidad": "TERRITORIO", "provincia": "TERRITORIO",
    "adreça": "CALLE", "enderezo": "CALLE", "domicili": "CALLE", "població": "TERRITORIO", "localitat": "TERRITORIO",
    "código postal": "TERRITORIO", "cp": "TERRITORIO", "país": "PAIS", "teléfono": "NUMERO_TELEFONO",
    "fecha de nacimiento": "FECHAS", "fecha de ingreso": "FECHAS", "fecha de alta": "FECHAS",
    "edad": "EDAD_SUJETO_ASISTENCIA", "sexo": "SEXO_SUJETO_ASISTENCIA", "correo": "CORREO_ELECTRONICO",
    "name": "NOMBRE_SUJETO_ASISTENCIA", "patient": "NOMBRE_SUJETO_ASISTENCIA",
    "patient name": "NOMBRE_SUJETO_ASISTENCIA", "mrn": "ID_SUJETO_ASISTENCIA",
    "medical record number": "ID_SUJETO_ASISTENCIA", "dob": "FECHAS", "date of birth": "FECHAS",
    "admission date": "FECHAS", "discharge date": "FECHAS", "address": "CALLE",
    "ssn": "ID_ASEGURAMIENTO", "insurance": "ID_ASEGURAMIENTO", "age": "EDAD_SUJETO_ASISTENCIA",
    "sex": "SEXO_SUJETO_ASISTENCIA", "gender": "SEXO_SUJETO_ASISTENCIA",
    "physician": "NOMBRE_PERSONAL_SANITARIO", "attending": "NOMBRE_PERSONAL_SANITARIO",
    "doctor": "NOMBRE_PERSONAL_SANITARIO", "city": "TERRITORIO", "zip": "TERRITORIO",
    "country": "PAIS", "hospital": "HOSPITAL", "phone": "NUMERO_TELEFONO", "email": "CORREO_ELECTRONICO",
}
_FIELD_RE = re.compile(
    r"^[ \t]*(" + "|".join(sorted(map(re.escape, _FIELDS), key=len, reverse=True)) + r")[ \t]*:[ \t]*([^\n]*?)[ \t.]*$",
    re.I | re.M,
)


# "Localidad/ Provincia: Santiago de Compostela, A Coruña": each comma-separated place, as annotated
_PLACE_FIELD = re.compile(r"(?im)^[ \t]*(?:localidad|municipio|poblaci[óo]n)[ \t]*/[ \t]*provincia[ \t]*:(?P<v>[^\n]*)$")

# pieces: between commas, semicolons and parentheses, or after a period that ends a full word ("Monterrey. Nvo León")
_PLACE_PIECE = re.compile(r"(?:[^,;()]*?[^\W\d_]{5}\.(?=[ \t]+\S))|[^,;()]+")


def place_fields(text: str) -> list[Span]:
    """The places of a ``Localidad/ Provincia:`` line, split at commas and between a town and the province
    after it (a country: ``PAIS``)."""
    from clinsum.deid.places import TOWN_PROVINCE
    from clinsum.deid.tagger import active_gazetteer
    from clinsum.deid.tokens import phrase_key

    countries = active_gazetteer().phrases.get("country", frozenset())
    out = []
    for m in _PLACE_FIELD.finditer(text):
        for piece in _PLACE_PIECE.finditer(m.group("v")):
            value = piece.group().strip(" \t")
            if value.endswith(".") and not re.search(r"(?:^|[\s.])[^\W\d_]\.$", value):  # keep "D.F."
                value = value[:-1].rstrip(" \t")
            if len(value) < 2 or not re.search(r"[^\W\d_]", value):
                continue
            start = m.start("v") + piece.start() + piece.group().index(value)
            pair = TOWN_PROVINCE.fullmatch(value)  # "Mostoles Madrid": the town and its province apart
            for at, part in ((pair.start(g), pair.group(g)) for g in ("town", "province")) if pair else [(0, value)]:
                kind = "PAIS" if phrase_key(part) in countries else "TERRITORIO"
                out.append(Span(start + at, start + at + len(part), kind, part, "field"))
    return out


_TITLE_RE = re.compile(r"^(?:(?:Dr|Dra|Prof|Sr|Sra|Srta|Dña|Dª)\.?|Doctor|Doctora|Doctores|Doña)(?:\.|\s)\s*", re.I)


def trim_titles(spans: list[Span], text: str) -> list[Span]:
    """Staff and patient names without a leading title (``Dr.``, ``Doctora``), as annotated."""
    out = []
    for s in spans:
        m = _TITLE_RE.match(s.text) if s.type.startswith("NOMBRE_") else None
        if m and m.end() < len(s.text):
            s = s._replace(start=s.start + m.end(), text=text[s.start + m.end():s.end])
        out.append(s)
    return out


_NEXT_FIELD = re.compile(r"\s+[^\s:]{2,}\s*:\s")


def rule_spans(text: str, language: str = "es") -> list[Span]:
    """Every span the patterns find (may overlap each other; the caller resolves)."""
    out = []
    for kind, pattern in PATTERNS + (ENGLISH_PATTERNS if language == "en" else []):
        for m in pattern.finditer(text):
            g = "v" if "v" in pattern.groupindex else 0
            out.append(Span(m.start(g), m.end(g), kind, m.group(g), "rule"))
    if language != "en":  # the tagger knows Spanish hospitals; these only fill its gaps
        out += [Span(m.start(), m.end(), kind, m.group(), "fill")
                for kind, pattern in SPANISH_PATTERNS for m in pattern.finditer(text)]
        out += spanish_rule_spans(text) + place_fields(text)
    out += [Span(m.start("v"), m.end("v"), "NOMBRE_SUJETO_ASISTENCIA", m.group("v"), "field")
            for m in _DON.finditer(text) if not _SIGNATURE.search(text, text.rfind("\n", 0, m.start()) + 1, m.start())
            ] if language != "en" else []
    for m in _TITLED.finditer(text):
        title = m.group("t")
        kind = "NOMBRE_SUJETO_ASISTENCIA" if title in ("Mr", "Mrs", "Ms", *_COURTESY) else "NOMBRE_PERSONAL_SANITARIO"
        # what a Spanish courtesy title says wins over the tagger's reading, as a field's label does
        out.append(Span(m.start("v"), m.end("v"), kind, m.group("v"), "field" if title in _COURTESY else "rule"))
    for m in _FIELD_RE.finditer(text):
        kind, start, value = _FIELDS[m.group(1).lower()], m.start(2), m.group(2)
        value = _NEXT_FIELD.split(value, maxsplit=1)[0].rstrip(" .")  # "70 años Sexo: H" -> "70 años"
        if kind.startswith("NOMBRE_"):  # a name ends before "(fictional)", ", Cardiology" …
            value = re.split(r"\s*[,(;]", value, maxsplit=1)[0]
            title = _TITLE_RE.match(value)
            if title and title.end() < len(value):
                start, value = start + title.end(), value[title.end():]
        if value and not re.fullmatch(r"[^\s:]+:.*", value):  # "Edad:  Sexo:." has no age
            out.append(Span(start, start + len(value), kind, value, "fill"))
    if language == "en":  # English-only rules (HIPAA Safe Harbor) live in rules_en
        from clinsum.deid.rules_en import refine
        out = refine(text, out)
    return out
