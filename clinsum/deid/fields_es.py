"""Labelled fields of Spanish records: header lines, numbers after their label, letterheads.

A name after ``Paciente:`` or ``Médico responsable:``, a number after ``NHC``, ``DNI``, ``NASS`` or
``nº de estudio``, a line in capitals that names a hospital: the label (or the letterhead's head word)
decides the type, whatever the tagger read there, so each span's source is ``field``
(see :func:`clinsum.deid.spans.remove_overlaps`).
"""

from __future__ import annotations

import re

from clinsum.deid.spans import Span, match_span

#: words that end a name or place before them (a unit, a label): "Centro de Salud Norte Servicio de …"
NOT_IN_NAMES = (r"(?:Servicio|Unidad|Secci[óo]n|Departamento|E-?mail|Correo|Tel|Tfno|Telf|Fax|Edificio|Planta|"
                r"Consultorio|D[íi]a|Estructurada|Facultad|Universidad|Complejo)\b")

# (and the Catalan and Galician labels of bilingual hospitals: "Pacient:", "Nom i cognoms:", "Nome:", "Apelidos:")
_PATIENT_LABELS = (r"paciente|pacient|nombre(?:\s+y\s+apellidos)?|apellidos|nombre\s+del\s+paciente|usuari[oa]|"
                   r"nom(?:\s+i\s+cognoms)?|cognoms|nome(?:\s+e\s+apelidos)?|apelidos")
_STAFF_LABELS = (r"(?:médic[oa]|facultativ[oa]|doctor[a]?|enfermer[oa]|pediatra|cirujan[oa]|matrona|"
                 r"psiquiatra|[a-záéíóúñ]+(?:log[oa]|atra))"
                 r"(?:\s+(?:responsable|de\s+planta|adjunt[oa]|tratante|de\s+guardia|residente|"
                 r"que\s+(?:informa|firma|atiende)))?|responsable\s+clínico|firmado\s+por|fdo\.?")
_FIELD_VALUE = r"[ \t]*:[ \t]*(?:(?:Dr|Dra|Sr|Sra|Srta|D|Dña|Dª|Doña|Don)\.?[ \t]+)?(?P<v>[^\n(,;]*[^\s\n(,;.])"
# who comes with the patient or is to be called: a relative or someone close, as MEDDOCAN types them
_CONTACT_LABELS = r"acompañante|persona[ \t]+de[ \t]+contacto|contacto|familiar[ \t]+de[ \t]+contacto|cuidador(?:a)?(?:[ \t]+principal)?"
HEADER_FIELDS: list[tuple[str, re.Pattern[str]]] = [
    ("NOMBRE_SUJETO_ASISTENCIA", re.compile(rf"(?im)^[ \t]*(?:{_PATIENT_LABELS}){_FIELD_VALUE}")),
    ("NOMBRE_PERSONAL_SANITARIO", re.compile(rf"(?im)^[ \t]*(?:{_STAFF_LABELS}){_FIELD_VALUE}")),
    ("FAMILIARES_SUJETO_ASISTENCIA", re.compile(rf"(?im)(?:^|(?<=\.[ \t]))[ \t]*(?:{_CONTACT_LABELS}){_FIELD_VALUE}")),
]
# the value of a name field stops before the next label on the same line ("Ana Ruiz NºCol: …")
# (or before a wide gap, in a header laid out in columns: "PACIENTE: JUAN PÉREZ GÓMEZ     EDAD: 67 AÑOS")
_NEXT_LABEL = re.compile(r"[ \t]{3,}.*$|"
                         r"\s*(?:N[ºo°]\s*Col|NHC|NASS|DNI|Edad|Sexo|E-?mail|Correo|Tel)\b.*$|"
                         r"\s*\b(?:(?i:edad|sexo|e-?mail|correo|tel)\b|(?i:nombre|apellidos|n[ºo°]\s*historia)[ \t]*:).*$|"
                         r"\s+(?:Servicio|Unidad|Departamento|Secci[óo]n|Hospital|Cl[íi]nica|Centro|Instituto|"
                         r"Facultad|Universidad|Complejo|Fundaci[óo]n|[ÁA]rea|Av|Avda|Avenida|Calle|C/|Plaza|Paseo)\b.*$")

# a name: up to five capitalized words and connectors, ending before ". " that ends a segment
_SEGMENT_END = re.compile(r"(?<=[^\W\d_]{2})\.\s")
_NAME_VALUE = re.compile(r"[A-ZÁÉÍÓÚÑÜ][\w'’.-]*(?:[ \t]+(?:(?:de|del|la|las|los|y|i|da|van|von)[ \t]+)*"
                         r"[A-ZÁÉÍÓÚÑÜ][\w'’.-]*){0,4}")

# the given names after surnames in capitals ("PÉREZ GARCÍA, MARÍA LUISA"), up to a wide gap or the line's end
_GIVEN_AFTER_COMMA = re.compile(r",[ \t]*(?P<v>[A-ZÁÉÍÓÚÑÜ][A-ZÁÉÍÓÚÑÜ'’.-]*(?:[ \t](?:DE|DEL|LA|Y)?[ \t]?[A-ZÁÉÍÓÚÑÜ][A-ZÁÉÍÓÚÑÜ'’.-]*){0,3})"
                                r"(?=[ \t]{2,}|[ \t]*(?:\n|$|\.[ \t]|\())")

# (and the regional health cards: SIP in Valencia, NUHSA in Andalusia, TIS in Catalonia and the Basque Country;
# Mexico's social security, IMSS and ISSSTE)
_CARD_LABELS = (r"NASS|NUSS|NSS|p[óo]liza|MUFACE|ISFAS|MUGEJU|N[ºo°.]*[ \t]*S\.S\.?|N[ºo°.][ \t]*SS|N[ºo°.]*\s*(?:de\s+)?(?:afiliación|afiliado)(?:\s+a\s+la\s+seguridad\s+social)?|"
                r"n[úu]mero\s+de\s+(?:la\s+)?seguridad\s+social|CIP(?:-SNS)?|TSI|SIP|NUHSA|TIS|IMSS|ISSSTE|"
                r"tarjeta\s+sanitaria(?:\s+individual)?|c[óo]digo\s+de\s+identificaci[óo]n(?:\s+personal)?")
# a space inside a card's number only before more of its digits: it stops before the next label of a header in
# columns or a word ("Nº SIP: 12345678  NUHSA: …", "póliza 7788990011 Sanitas")
_CARD_SPACE = r"[ ](?=[\dA-Z/-]*\d)"
CARD_FIELDS: list[tuple[str, re.Pattern[str]]] = [
    ("ID_ASEGURAMIENTO", re.compile(
        rf"(?i)\b(?:{_CARD_LABELS})\b[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*(?P<v>[A-Z]{{0,4}}[ \t-]?\d(?:[\dA-Z/-]|{_CARD_SPACE}){{4,}}[\dA-Z])")),
    # Mexico's personal and tax ids (CURP: HETG850312MDFRPD09, RFC: QUMR800101AB3), with or without their label
    ("ID_SUJETO_ASISTENCIA", re.compile(r"\b(?P<v>[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d)\b")),
    ("ID_SUJETO_ASISTENCIA", re.compile(r"\bRFC\b[^:\n]{0,20}:?[ \t]*(?P<v>[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3})\b")),
    ("ID_SUJETO_ASISTENCIA", re.compile(
        r"(?i)\b(?:pasaporte|passport)\b[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*(?P<v>[A-Z]{1,3}[ -]?\d{6,9}|\d{6,9}[A-Z]?)\b")),
    # "NHC 4471209", "Historia clínica nº 123456" written inline, without a field's colon (a field's value is
    # left to the field rules and the tagger: MEDDOCAN train keeps a check digit in it, "NHC:9764132 3"), and
    # "DNI 50.123.456-K" with its dots
    ("ID_SUJETO_ASISTENCIA", re.compile(
        r"\b(?:(?:NHC|N\.H\.C\.|[Hh]istoria(?:[ \t]+[Cc]l[íi]nica)?)(?![ \t]*:)|N[ºo°]\.?[ \t]*(?:de[ \t]+)?(?:[Hh]istoria|HISTORIA|H[ª.]+))"
        r"[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*(?P<v>\d[\d.-]{3,}\d|[A-Z]{1,3}-?\d{4,})\b(?![/.,-]\d)")),
    ("ID_SUJETO_ASISTENCIA", re.compile(
        r"\b(?:DNI|NIE|NIF)\b[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*"
        r"(?P<v>\d{1,2}\.?\d{3}\.?\d{3}[ -]?[A-Za-z]|[XYZ][ -]?\d{7}[ -]?[A-Za-z])\b")),
    ("ID_CONTACTO_ASISTENCIAL", re.compile(
        r"(?i)\b(?:n[ºo°.]*[ \t]*(?:de[ \t]+)?)?episodio[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*"
        r"(?!\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b)(?P<v>\d[\d/.-]{3,}\d)\b")),
    # a study, sample or request number ("nº de estudio 88451237", "Nº muestra: B-24-0731"): a contact's id
    # (none in MEDDOCAN train, where the label says what the number is)
    ("ID_CONTACTO_ASISTENCIAL", re.compile(
        r"(?i)\b(?:n[ºo°.]+|n[úu]m\.|n[úu]mero)[ \t]*(?:de[ \t]+)?(?:estudio|muestra|biopsia|petici[óo]n|solicitud|"
        r"registro|ingreso|acceso)[ \t]*:?[ \t]*"
        r"(?!\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b)(?P<v>(?=[\w/.-]*\d)[A-Z0-9][A-Z0-9/.-]{2,}[A-Z0-9])\b")),
    # (and a code of a letter and digits right after the word: "biopsia B23-004411", "la petición P-2023-7781")
    ("ID_CONTACTO_ASISTENCIAL", re.compile(
        r"(?i:\b(?:estudio|muestra|biopsia|petici[óo]n|solicitud))[ \t]+(?P<v>[A-Z]{1,3}-?\d{2}[\d/-]*\d)\b(?![/.-]\d)")),
    # a newborn's identity bracelet ("pulsera identificativa nº 004512")
    ("ID_SUJETO_ASISTENCIA", re.compile(
        r"(?i)\bpulsera(?:[ \t]+(?:identificativa|de[ \t]+identificación))?[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*"
        r"(?P<v>(?=[\w/.-]*\d)[A-Z0-9][A-Z0-9/.-]{2,}[A-Z0-9])\b")),
    # a clinician's post code in the health service ("Código CIAS 0802340011A")
    ("ID_EMPLEO_PERSONAL_SANITARIO", re.compile(
        r"\b(?:(?i:c[óo]digo)[ \t]+)?CIAS[ \t]*:?[ \t]*(?P<v>\d{6,12}[A-Z]?)\b")),
    # a Mexican clinician's professional licence ("céd. prof. 4521887", "cédula profesional: 4521887")
    ("ID_TITULACION_PERSONAL_SANITARIO", re.compile(
        r"(?i)\bc[ée]d(?:ula|\.)?[ \t]*prof(?:esional|\.)?[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*(?P<v>\d{6,10})\b")),
    # a clinician's registration number after "Col." / "colegiado" (each of MEDDOCAN train's 449 is found so)
    ("ID_TITULACION_PERSONAL_SANITARIO", re.compile(
        r"(?i)\b(?:N[ºo°.]*[ \t]*)?(?:Col(?:egiado)?\.?|colegiad[oa])[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*"
        r"(?P<v>\d{2}[ \t]\d{2}[ \t]\d{4,6}|\d{6,10})\b(?![ \t]*\d)")),
    ("OTROS_SUJETO_ASISTENCIA", re.compile(
        r"(?i)\b(?:cama|hab\.|habitaci[óo]n|box)[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*(?P<v>\d{1,4}(?:[.-]\d{1,3})?(?:-?[A-Z])?)\b")),
    # a court case's or an administrative file's number ("procedimiento 458/2019", "nº expediente 2020/88776")
    ("OTROS_SUJETO_ASISTENCIA", re.compile(
        r"(?i)\b(?:procedimiento|expediente|autos|diligencias)[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*"
        r"(?P<v>(?=[\w/.-]*\d)[A-Z0-9][A-Z0-9/.-]{2,}[A-Z0-9])\b")),
    # a licence's number ("licencia municipal 4521", "permiso de conducir nº B-1234567"): HIPAA's certificate and
    # licence numbers, which MEDDOCAN has no type of (none in its train)
    ("OTROS_SUJETO_ASISTENCIA", re.compile(
        r"(?i)\b(?:licencia(?:[ \t]+(?:municipal|de[ \t]+(?:taxi|armas|caza|pesca|conducir|actividad)))?|"
        r"(?:permiso|carn[eé]t?)[ \t]+de[ \t]+conducir)[ \t]*(?:n[ºo°.]*)?[ \t]*:?[ \t]*"
        r"(?P<v>(?=[\w/.-]*\d)[A-Z0-9][A-Z0-9/.-]{2,}[A-Z0-9])\b")),
    ("IDENTIF_DISPOSITIVOS_NRSERIE", re.compile(
        r"(?i)\b(?:n[ºo°.]*|n[úu]mero)\s+(?:de\s+)?serie\b[ \t]*:?[ \t]*(?P<v>[A-Z0-9][A-Z0-9-]{3,}[A-Z0-9])")),
    ("IDENTIF_VEHICULOS_NRSERIE_PLACAS", re.compile(
        r"(?i)\bmatr[íi]cula\b[ \t]*:?[ \t]*(?P<v>\d{4}[ -]?[A-Z]{3}|[A-Z]{1,2}[ -]?\d{4}[ -]?[A-Z]{1,2})\b")),
]

# a line in capitals that names a hospital or clinic (a letterhead)
_CAPS_WORD = r"[A-ZÁÉÍÓÚÑÜ][A-ZÁÉÍÓÚÑÜ'’.-]*"
_LETTERHEAD_HEAD = (r"(?:HOSPITAL|CL[IÍ]NICA|COMPLEJO\s+HOSPITALARIO|COMPLEXO\s+HOSPITALARIO|SANATORIO|POLICL[IÍ]NICA|"
                    r"CENTRO\s+HOSPITALARIO|CENTRO\s+DE\s+SALUD|CONSORCIO\s+HOSPITALARIO)")
# a head word and the capitals after it, or a whole line in capitals with a head word ("MERIDIAN GENERAL HOSPITAL")
LETTERHEAD = re.compile(
    rf"(?m)^[ \t]*(?:{_CAPS_WORD}[ \t]+){{1,6}}{_LETTERHEAD_HEAD}(?:[ \t]+(?:{_CAPS_WORD}|\d+))*[ \t]*$|"
    rf"\b{_LETTERHEAD_HEAD}(?:[ \t]+(?:{_CAPS_WORD}|\d+))+")


def field_spans(text: str) -> list[Span]:
    """The labelled values and letterheads of ``text`` (source ``field``: the label decides the type)."""
    out = []
    for kind, pattern in HEADER_FIELDS:
        for m in pattern.finditer(text):
            start, value = m.start("v"), m.group("v")
            value = _SEGMENT_END.split(_NEXT_LABEL.sub("", value), maxsplit=1)[0].rstrip(" .")
            value = re.sub(r"\s+[A-Z]$", "", value)  # "Nikolaos Antoniadis P." ends at the surname
            if _NAME_VALUE.fullmatch(value) and not re.match(NOT_IN_NAMES, value):
                out.append(Span(start, start + len(value), kind, value, "field"))
                given = _GIVEN_AFTER_COMMA.match(text, start + len(value)) if value.isupper() else None
                if given:  # "Nombre: PÉREZ GARCÍA, MARÍA LUISA": the given names after the surnames
                    out.append(match_span(given, kind, "field"))
    for kind, pattern in CARD_FIELDS:
        out += [match_span(m, kind, "field") for m in pattern.finditer(text)]
    for m in LETTERHEAD.finditer(text):
        value = m.group().rstrip(" \t.-")
        lead = len(value) - len(value.lstrip(" \t"))
        value = value.strip(" \t")
        kind = "CENTRO_SALUD" if value.startswith("CENTRO DE SALUD") else "HOSPITAL"
        out.append(Span(m.start() + lead, m.start() + lead + len(value), kind, value, "field"))
    return out
