"""Build the English evaluation set (``data/deid_en/*.txt`` + ``.ann``) from the hand-marked notes.

Each ``*.marked`` file holds notes separated by ``=== name`` lines; PHI is marked inline as
``{X|surface}`` with a one-letter type code (below). Run: ``python data/deid_en/source/build.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

CODES = {
    "N": "NOMBRE_SUJETO_ASISTENCIA", "S": "NOMBRE_PERSONAL_SANITARIO", "F": "FAMILIARES_SUJETO_ASISTENCIA",
    "A": "EDAD_SUJETO_ASISTENCIA", "W": "SEXO_SUJETO_ASISTENCIA", "D": "FECHAS", "H": "HOSPITAL",
    "C": "CENTRO_SALUD", "I": "INSTITUCION", "K": "CALLE", "T": "TERRITORIO", "Z": "PAIS",
    "P": "NUMERO_TELEFONO", "X": "NUMERO_FAX", "E": "CORREO_ELECTRONICO", "M": "ID_SUJETO_ASISTENCIA",
    "V": "ID_CONTACTO_ASISTENCIAL", "Y": "ID_ASEGURAMIENTO", "B": "NUMERO_BENEF_PLAN_SALUD",
    "L": "ID_TITULACION_PERSONAL_SANITARIO", "O": "OTRO_NUMERO_IDENTIF", "R": "IDENTIF_VEHICULOS_NRSERIE_PLACAS",
    "Q": "IDENTIF_DISPOSITIVOS_NRSERIE", "U": "URL_WEB", "G": "DIREC_PROT_INTERNET",
}
MARK = re.compile(r"\{([A-Z])\|([^{}]+)\}")
HERE = Path(__file__).resolve().parent


def unmark(marked: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    out, spans, pos = [], [], 0
    length = 0
    for m in MARK.finditer(marked):
        chunk = marked[pos:m.start()]
        out.append(chunk)
        length += len(chunk)
        surface = m.group(2)
        spans.append((length, length + len(surface), CODES[m.group(1)], surface))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(marked[pos:])
    return "".join(out), spans


def main() -> None:
    target = HERE.parent
    for source in sorted(HERE.glob("*.marked")):
        for block in source.read_text(encoding="utf-8").split("=== ")[1:]:
            name, _, body = block.partition("\n")
            text, spans = unmark(body.strip() + "\n")
            (target / f"{name.strip()}.txt").write_text(text, encoding="utf-8")
            ann = "".join(f"T{i}\t{t} {a} {b}\t{s}\n" for i, (a, b, t, s) in enumerate(spans, 1))
            (target / f"{name.strip()}.ann").write_text(ann, encoding="utf-8")


if __name__ == "__main__":
    main()
