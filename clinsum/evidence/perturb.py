"""A perturbation set with a known answer, built from faithful summaries of records.

From each (record, faithful summary) pair: the summary's own sentences (expected: not
flagged), and perturbed copies of them (expected: flagged unsupported or contradicted):
an inserted fabricated sentence (written for this project, kept only where the record does not
talk about it), a flipped negation, a changed dose, a changed unit, a swapped side and a moved
date, each changed to a value the record never gives. Dropped sentences are a separate case:
they leave every remaining label unchanged and can only lower section coverage.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from clinsum.evidence import facts as fx
from clinsum.metrics import faithfulness as ff

KINDS = ("fabricated", "negation", "dose", "unit", "laterality", "date")

FABRICATED = {
    "es": [
        "Se realizó una colonoscopia que mostró un pólipo sésil de 8 mm en colon sigmoide.",
        "Durante el ingreso presentó una hemorragia digestiva alta que precisó transfusión de dos concentrados de hematíes.",
        "La resonancia magnética cerebral mostró un meningioma frontal de 12 mm.",
        "Fue valorado por Dermatología por una lesión pigmentada sospechosa en la espalda.",
        "Se diagnosticó un hipotiroidismo subclínico y se inició levotiroxina 50 mcg al día.",
        "Presentó una crisis de gota en el primer dedo del pie tratada con colchicina.",
        "La ecografía abdominal mostró colelitiasis múltiple sin signos de colecistitis.",
        "Se detectó una infección urinaria por Klebsiella tratada con fosfomicina.",
    ],
    "en": [
        "A colonoscopy showed an 8 mm sessile polyp in the sigmoid colon.",
        "During the admission he had an upper gastrointestinal bleed that required two units of packed red cells.",
        "Brain MRI showed a 12 mm frontal meningioma.",
        "Dermatology assessed a suspicious pigmented lesion on the back.",
        "Subclinical hypothyroidism was diagnosed and levothyroxine 50 mcg daily was started.",
        "He had an attack of gout in the big toe treated with colchicine.",
        "Abdominal ultrasound showed multiple gallstones without signs of cholecystitis.",
        "A Klebsiella urinary tract infection was treated with fosfomycin.",
    ],
}
_NEGATE = [  # (pattern, replacement): affirmative -> negative and back
    (r"\bsin\s+", "con "), (r"\bNo\s+(?=[a-záéíóú])", ""), (r"\bno\s+(?=[a-záéíóú])", ""),
    (r"\bniega\s+", "refiere "), (r"\bwithout\s+", "with "), (r"\bdenies\s+", "reports "),
    (r"\bdenied\s+", "reported "), (r"\bno\s+", ""), (r"\bNo\s+", ""),
    (r"\bcon\s+", "sin "), (r"\bwith\s+", "without "),
]
_SIDE_SWAP = {"izquierdo": "derecho", "izquierda": "derecha", "derecho": "izquierdo",
              "derecha": "izquierda", "left": "right", "right": "left"}
_UNIT_SWAP = {"mg": "g", "g": "mg", "ml": "L", "mL": "L", "l": "mL", "L": "mL", "mcg": "mg",
              "kg": "g"}

_DOSE = re.compile(r"(?<![\w.,/])(\d+(?:[.,]\d+)?)\s?(mg|g|mcg|mL|ml|L|kg|mmHg|lpm|%)(?![\w/])")


@dataclass(frozen=True)
class Case:
    """One sentence checked against a record; ``flagged`` is the expected answer."""

    record_id: str
    kind: str  # original | fabricated | negation | dose | unit | laterality | date
    sentence: str
    flagged: bool
    language: str


def _fmt(amount: float) -> str:
    text = f"{amount:g}"
    return text.replace(".", ",")


def _changed_dose(sentence: str, record_doses: set, rng: random.Random) -> str | None:
    found = list(_DOSE.finditer(sentence))
    rng.shuffle(found)
    for m in found:
        amount = float(m.group(1).replace(",", "."))
        for factor in (2, 10, 0.5, 3):
            new = amount * factor
            unit = m.group(2)
            value = ff.doses(f"{_fmt(new)} {unit}")
            if value and value[0][2] not in record_doses:
                return sentence[:m.start(1)] + _fmt(new) + sentence[m.end(1):]
    return None


def _changed_unit(sentence: str, record_doses: set) -> str | None:
    for m in _DOSE.finditer(sentence):
        unit = m.group(2)
        new_unit = _UNIT_SWAP.get(unit) or _UNIT_SWAP.get(unit.lower())
        if not new_unit:
            continue
        changed = sentence[:m.start(2)] + new_unit + sentence[m.end(2):]
        value = ff.doses(f"{m.group(1)} {new_unit}")
        if not value or value[0][2] in record_doses:
            continue
        return changed
    return None


def _changed_side(sentence: str, record: str) -> str | None:
    for m in re.finditer(r"\b(" + "|".join(_SIDE_SWAP) + r")\b", sentence):
        word = m.group(1)
        new = _SIDE_SWAP[word]
        changed = sentence[:m.start()] + new + sentence[m.end():]
        parts = [p for s, p in fx.sides(changed) if s == fx._SIDE_WORDS[new]]
        if not parts or not any(parts):
            continue
        record_sides = fx.sides(record)
        if any(s == fx._SIDE_WORDS[new] and p & part for s, p in record_sides for part in parts):
            continue  # the record also describes that side of that part
        return changed
    return None


def _changed_date(sentence: str, record_dates: list) -> str | None:
    m = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", sentence)
    if not m:
        return None
    day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    for shift in (3, -3, 5, 9):
        new_day = day + shift
        if not 1 <= new_day <= 28:
            continue
        if fx.date_supported((year, month, new_day), record_dates):
            continue
        return sentence[:m.start()] + f"{new_day:02d}/{month:02d}/{year}" + sentence[m.end():]
    return None


def _flipped(sentence: str, record: str) -> str | None:
    record_pol: dict[str, set[str]] = {}
    for s in fx.split(record):
        for k, neg in fx.polarity(s.text).items():
            record_pol.setdefault(k, set()).add(neg)
    for pattern, repl in _NEGATE:
        for m in re.finditer(pattern, sentence):
            changed = sentence[:m.start()] + repl + sentence[m.end():]
            if repl == "" and changed[m.start():m.start() + 1].islower() and m.start() == 0:
                changed = changed[0].upper() + changed[1:]
            before, after = fx.polarity(sentence), fx.polarity(changed)
            moved = [k for k in after if k in before and {after[k], before[k]} == {fx.NEGATED, fx.AFFIRMED}]
            # the record must state the finding only the original way
            if moved and all(record_pol.get(k) == {before[k]} for k in moved[:1]):
                return changed
    return None


def cases_for(record_id: str, record: str, summary: str, language: str,
              rng: random.Random) -> list[Case]:
    """Original and perturbed sentences of one faithful summary."""
    sentences = [s.text for s in fx.split(summary)]
    out = [Case(record_id, "original", s, False, language) for s in sentences]
    record_doses = {v for s in fx.split(record) for v, _ in fx.facts(s.text).doses}
    record_dates = [d for s in fx.split(record) for d in fx.facts(s.text).dates]
    record_stems = fx.stems(record)
    fabricated = [s for s in FABRICATED[language]
                  if len(fx.stems(s) & record_stems) <= 0.4 * len(fx.stems(s))]
    for s in rng.sample(fabricated, min(2, len(fabricated))):
        out.append(Case(record_id, "fabricated", s, True, language))
    order = list(sentences)
    rng.shuffle(order)
    makers = {
        "negation": lambda s: _flipped(s, record),
        "dose": lambda s: _changed_dose(s, record_doses, rng),
        "unit": lambda s: _changed_unit(s, record_doses),
        "laterality": lambda s: _changed_side(s, record),
        "date": lambda s: _changed_date(s, record_dates),
    }
    for kind, make in makers.items():
        made = 0
        for s in order:
            changed = make(s)
            if changed and changed != s:
                out.append(Case(record_id, kind, changed, True, language))
                made += 1
                if made == 2:
                    break
    return out


def demo_cases(demo_dir: str | Path | None = None, seed: int = 15) -> tuple[list[Case], dict[str, str]]:
    """The perturbation set over the demo records (``data/demo``) and their references;
    returns the cases and the records' texts by id."""
    from clinsum.config import DEMO_DIR
    from clinsum.text import detect_language, normalize

    folder = Path(demo_dir or DEMO_DIR)
    rng = random.Random(seed)
    cases: list[Case] = []
    records: dict[str, str] = {}
    for ref_path in sorted((folder / "references").glob("*.txt")):
        rec_path = folder / "records" / ref_path.name
        if not rec_path.exists():
            continue
        record = normalize(rec_path.read_text(encoding="utf-8"))
        summary = normalize(ref_path.read_text(encoding="utf-8"))
        records[ref_path.stem] = record
        cases += cases_for(ref_path.stem, record, summary, detect_language(record), rng)
    return cases, records
