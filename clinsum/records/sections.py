"""Split a clinical record into sections by its Spanish and English headers.

A header is a line that starts with a known heading (``Antecedentes:``, ``Exploración
física``, ``HPI:`` …, matched without case or accents), a short line ending in a colon, or
a short line in capitals. Text on the same line after the colon belongs to the section.
Records with no headers fall back to paragraph blocks. Sections keep character offsets into
the record, so the UI can highlight them and nothing of the text is lost.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from clinsum.text import strip_accents

# canonical kind -> headings (lower case, no accents)
HEADINGS: dict[str, list[str]] = {
    "patient_data": ["datos del paciente", "datos personales", "datos de filiacion",
                     "filiacion", "patient data", "patient information", "demographics"],
    "admin": ["datos asistenciales", "datos del ingreso", "datos de ingreso", "episodio",
              "admission data"],
    "report": ["informe clinico del paciente", "informe clinico", "informe de alta",
               "clinical report", "discharge summary"],
    "reason": ["motivo de ingreso", "motivo de consulta", "motivo del ingreso",
               "chief complaint", "reason for admission", "reason for visit",
               "reason for referral", "presenting complaint"],
    "history": ["antecedentes personales", "antecedentes familiares", "antecedentes medicos",
                "antecedentes patologicos", "antecedentes", "historia del paciente",
                "habitos toxicos", "past medical history", "past surgical history",
                "family history", "social history", "medical history", "history", "pmh"],
    "current_illness": ["enfermedad actual", "anamnesis", "historia actual",
                        "historia de la enfermedad actual", "history of present illness",
                        "present illness", "hpi"],
    "medications": ["tratamiento habitual", "medicacion habitual", "tratamiento domiciliario",
                    "home medications", "current medications", "medications", "allergies",
                    "alergias"],
    "exam": ["exploracion fisica", "exploracion general", "exploracion", "examen fisico",
             "physical examination", "physical exam", "examination", "exam", "vital signs"],
    "tests": ["resumen de pruebas complementarias", "pruebas complementarias",
              "exploraciones complementarias", "analitica", "analiticas", "pruebas de imagen",
              "laboratory results", "laboratory", "labs", "results", "investigations",
              "imaging", "diagnostic tests"],
    "assessment": ["juicio clinico", "impresion diagnostica", "diagnostico principal",
                   "diagnosticos secundarios", "otros diagnosticos", "diagnosticos",
                   "diagnostico", "orientacion diagnostica", "assessment and plan",
                   "assessment", "diagnoses", "diagnosis", "impression"],
    "treatment": ["tratamiento al alta", "tratamiento y recomendaciones", "tratamiento",
                  "discharge medications", "medications at discharge", "treatment",
                  "procedures", "procedimientos"],
    "course": ["evolucion y comentarios", "evolucion clinica", "evolucion", "curso clinico",
               "comentarios", "hospital course", "clinical course", "course", "progress notes",
               "progress"],
    "plan": ["recomendaciones al alta", "recomendaciones", "plan de cuidados", "seguimiento",
             "plan", "follow-up", "follow up", "recommendations", "disposition"],
    "signature": ["remitido por", "firmado por", "firmado", "signed by", "attending physician"],
}

_KNOWN = sorted(
    ((heading, kind) for kind, names in HEADINGS.items() for heading in names),
    key=lambda pair: -len(pair[0]),
)
_KNOWN_RE = re.compile(
    r"^\s*(?:\d{1,2}[.)]\s*|[-•*#]+\s*)?("
    + "|".join(re.escape(h) for h, _ in _KNOWN)
    + r")\s*(?::|\.(?=\s|$)|-\s|$)"
)
_KNOWN_START_RE = re.compile("(" + "|".join(re.escape(h) for h, _ in _KNOWN) + r")\b")
_PREFIX_COLON = re.compile(r"^\s*([A-ZÁÉÍÓÚÑÜ][^:\n]{2,60}):")
_FIELD_KINDS = ("patient_data", "admin", "preamble")
#: in a patient-data block, a line this long is narrative: the report starts there
NARRATIVE_LINE = 160
_KIND_OF = dict(_KNOWN)
_GENERIC_COLON = re.compile(r"^\s*([A-ZÁÉÍÓÚÑÜ][^:\n]{1,60}):\s*$")
_CAPS_LINE = re.compile(r"^\s*([A-ZÁÉÍÓÚÑÜ][A-ZÁÉÍÓÚÑÜ0-9 /,()-]{2,60}):?\s*$")


@dataclass(frozen=True)
class Section:
    """A part of a record: ``text[start:end]`` of the record, ``body_start`` after its header."""

    title: str
    kind: str
    start: int
    end: int
    body_start: int

    def body(self, text: str) -> str:
        return text[self.body_start : self.end].strip()

    def to_dict(self) -> dict:
        return asdict(self)


def _header(line: str) -> tuple[str, str, int] | None:
    """(title, kind, length of the header part) when ``line`` opens a section."""
    folded = strip_accents(line).lower()
    match = _KNOWN_RE.match(folded)
    if match:
        end = match.end()
        title = line[match.start(1) : match.end(1)].strip()
        return title, _KIND_OF[match.group(1)], end
    prefix = _PREFIX_COLON.match(line)
    if prefix and len(prefix.group(1).split()) <= 6:
        start = _KNOWN_START_RE.match(strip_accents(prefix.group(1)).lower())
        if start:
            return prefix.group(1).strip(), _KIND_OF[start.group(1)], prefix.end()
    for pattern in (_GENERIC_COLON, _CAPS_LINE):
        match = pattern.match(line)
        if match and len(match.group(1).split()) <= 6:
            return match.group(1).strip(), "other", len(line)
    return None


def split_sections(text: str, min_blocks_chars: int = 1200) -> list[Section]:
    """Sections of ``text`` by header; paragraph blocks when it has fewer than two headers."""
    sections: list[Section] = []
    offset = 0
    current: tuple[str, str, int, int] | None = None  # title, kind, start, body_start
    for line in text.split("\n"):
        found = _header(line) if line.strip() else None
        in_fields = current[1] in _FIELD_KINDS if current else offset > 0
        if not found and in_fields and len(line) > NARRATIVE_LINE:
            found = ("", "report", 0)
        if found:
            title, kind, header_len = found
            if current is not None:
                sections.append(Section(current[0], current[1], current[2], offset, current[3]))
            elif offset > 0 and text[:offset].strip():
                sections.append(Section("", "preamble", 0, offset, 0))
            current = (title, kind, offset, offset + header_len)
        offset += len(line) + 1
    end = len(text)
    if current is not None:
        sections.append(Section(current[0], current[1], current[2], end, current[3]))
    sections = [_trim(s, text) for s in sections if text[s.body_start : s.end].strip() or s.title]
    if len([s for s in sections if s.kind != "preamble"]) >= 2:
        return sections
    return paragraph_blocks(text, min_blocks_chars)


def paragraph_blocks(text: str, target_chars: int = 1200) -> list[Section]:
    """Blank-line paragraphs, merged up to about ``target_chars`` each."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?!\s*\n))*", text)]
    blocks: list[tuple[int, int]] = []
    for start, stop in spans:
        if blocks and stop - blocks[-1][0] <= target_chars:
            blocks[-1] = (blocks[-1][0], stop)
        else:
            blocks.append((start, stop))
    return [Section(f"{i}", "block", s, e, s) for i, (s, e) in enumerate(blocks, start=1)]


def _trim(section: Section, text: str) -> Section:
    end = section.end
    while end > section.body_start and text[end - 1].isspace():
        end -= 1
    return Section(section.title, section.kind, section.start, end, min(section.body_start, end))


def sections_from_json(items: list[dict] | None) -> list[Section]:
    return [Section(**item) for item in items or []]
