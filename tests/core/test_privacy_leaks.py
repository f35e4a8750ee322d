"""Measured privacy: the leak suite reaches 0 leaks, the demo records leave with no identifier,
and the English evaluation set is de-identified at recall >= 0.97."""

from __future__ import annotations

import re

import pytest

from clinsum.config import DATA_DIR, DEMO_DIR
from clinsum.deid.brat import read_folder
from clinsum.deid.evaluate import evaluate
from clinsum.deid.pipeline import find_phi
from clinsum.privacy.leaks import find_leaks, leaked, load_suite, sanitize
from clinsum.privacy.residues import _GENERIC
from clinsum.privacy.vocabulary import fold


def test_leak_suite_is_large_and_covers_the_issue_examples() -> None:
    rows = load_suite()
    assert len(rows) >= 80 and {r["lang"] for r in rows} == {"es", "en"}
    assert sum(r["why"] for r in rows) >= 30  # every example of issue 12's "Why"
    assert all(r["identifiers"] and all(i in r["text"] for i in r["identifiers"]) for r in rows)


def test_leak_suite_has_no_leak_after_the_gate() -> None:
    leaks = find_leaks()
    assert leaks == [], "\n".join(f"{x.snippet_id}: {x.identifier!r} in {x.output!r}" for x in leaks)


def test_leak_check_can_fail() -> None:
    assert find_leaks(clean=lambda text: text)  # without the gate everything leaks
    assert leaked("91.555.12.34", "llame al 91.555.12.34") and not leaked("Iturbe", "[NOMBRE_1]")


_FIELDS = re.compile(r"^(Paciente|Patient|NHC|MRN|Edad|Age|Fecha de ingreso|Fecha de alta|Admission date|"
                     r"Discharge date|Médico responsable|Attending|Primary care)\s*:\s*(.+)$", re.M | re.I)


def _identifiers(record_id: str, text: str) -> list[str]:
    """What identifies the demo record: header values (names, ids, ages, dates), narrative ages,
    the letterhead's distinctive words, and the record id."""
    out = [record_id]
    for label, value in _FIELDS.findall(text):
        label = label.lower()
        if "fecha" in label or "date" in label:
            out += re.findall(r"\d{2}/\d{2}/\d{4}", value)
            continue
        value = re.sub(r"\([^)]*(?:fictional|ficticio|ficticia)[^)]*\)", "", value, flags=re.I)
        value = re.sub(r"^(?:Dr|Dra|Mr|Mrs|Ms)\.?\s+", "", value.split(",")[0].strip())
        if label in ("nhc", "mrn", "edad", "age"):
            out.append(value)
        else:
            out += [w for w in re.findall(r"[\w-]+", value) if len(w) >= 4]
    out += re.findall(r"\b\d{1,3}-year-old\b|(?<!más )(?<!hace )\bde \d{1,3} (?:años|meses)\b(?! de evolución)", text)
    letterhead = next((line for line in text.splitlines()[:4] if re.search(r"HOSPITAL|CENTER|INSTITUTE", line)), "")
    lower = {fold(w) for w in re.findall(r"\b[a-záéíóúñ]+\b", text)}
    out += [w for w in re.findall(r"[A-ZÁÉÍÓÚÑ]{4,}", letterhead) if fold(w) not in _GENERIC | lower]
    return sorted({x for x in out if x.strip() and x.lower() not in {"years", "años", "male", "female"}})


def test_gate_over_all_demo_records_leaves_no_identifier() -> None:
    files = sorted((DEMO_DIR / "records").glob("*.txt"))
    assert len(files) >= 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        sent = sanitize(text)
        idents = _identifiers(path.stem, text)
        assert len(idents) >= 5, (path.stem, idents)
        left = [i for i in idents if leaked(i, sent)]
        assert not left, f"{path.stem}: {left}"


def test_english_set_recall() -> None:
    docs = read_folder(DATA_DIR / "deid_en")
    assert len(docs) >= 40
    types = {s.type for d in docs for s in d.spans}
    for needed in ("NOMBRE_SUJETO_ASISTENCIA", "FAMILIARES_SUJETO_ASISTENCIA", "CALLE", "TERRITORIO", "FECHAS",
                   "EDAD_SUJETO_ASISTENCIA", "NUMERO_TELEFONO", "NUMERO_FAX", "CORREO_ELECTRONICO",
                   "ID_ASEGURAMIENTO", "ID_SUJETO_ASISTENCIA", "NUMERO_BENEF_PLAN_SALUD", "OTRO_NUMERO_IDENTIF",
                   "ID_TITULACION_PERSONAL_SANITARIO", "IDENTIF_VEHICULOS_NRSERIE_PLACAS",
                   "IDENTIF_DISPOSITIVOS_NRSERIE", "URL_WEB", "DIREC_PROT_INTERNET"):
        assert needed in types, f"the English set has no {needed}"
    scores = evaluate(docs, lambda text: find_phi(text, language="en"))["ALL"]
    assert scores.recall >= 0.97 and scores.precision >= 0.9


@pytest.mark.parametrize("text, piece", [
    ("Home: 1142 Larchmont Avenue, Toledo, OH 43613.", "Larchmont"),
    ("She is 93 years old.", "93 years old"),
    ("DISCHARGE SUMMARY - ST. BARNABAS MEDICAL CENTER\nPatient seen.", "BARNABAS MEDICAL CENTER"),
    ("An 84 y/o woman seen at Mercy General on 2/3/24.", "Mercy General"),
    ("Seen at 3:15 pm by RN Jessica Tran.", "Jessica Tran"),
    ("She was admitted on 3/14 after a fall.", "3/14"),
    ("Her son-in-law Raymond Ortiz brought her in.", "Raymond Ortiz"),
    ("She was last seen at St. Mary's in March 2019.", "St. Mary's"),
    ("Health plan beneficiary number HPB-4420017 on file.", "HPB-4420017"),
    ("Accompanied by her neighbor Alice Greene.", "Alice Greene"),
    ("Seen by Dr. O'Malley and NP Kowalski.", "Kowalski"),
    ("Discharged to Sunrise Assisted Living, 800 Palm Ave.", "Sunrise Assisted Living"),
    ("She worked for 30 years at Publix as a cashier.", "Publix"),
    ("Prior records from Jackson Memorial were reviewed.", "Jackson Memorial"),
    ("Lives at Maple Grove Mobile Home Park off Route 9. Mail to PO Box 4471.", "Maple Grove Mobile Home Park"),
    ("Lives at Maple Grove Mobile Home Park off Route 9. Mail to PO Box 4471.", "PO Box 4471"),
    ("Emergency contact: Sam Whitaker (partner) 510-555-0129.", "Sam Whitaker"),
    ("Admitted 12/24/2023 (Christmas Eve).", "Christmas Eve"),
    ("She works as a nurse at Kaiser Permanente in Oakland.", "Kaiser Permanente"),
    ("Patient was transported by Acme Ambulance from his home on Elm Street.", "Acme Ambulance"),
    ("Patient was transported by Acme Ambulance from his home on Elm Street.", "Elm Street"),
    ("His PCP is Dr. Patel at Northside Family Medicine.", "Northside Family Medicine"),
    ("Pharmacy: Walgreens #04412, Main St.", "Walgreens #04412"),
    ("MRN: 00493821   Acct #: 7734120098", "7734120098"),
    ("Seen by NP Karen Liu and PT Marcus Bell.", "Marcus Bell"),
    ("Daughter Siobhan lives in Dublin, Ireland.", "Dublin"),
    ("Referred by his probation officer, Officer Dana Kim (Cook County Adult Probation).", "Dana Kim"),
    ("Referred by his probation officer, Officer Dana Kim (Cook County Adult Probation).", "Cook County"),
    ("Plan: continue CBT; next session 3/10 at 4 pm.", "3/10"),
])
def test_english_rules_catch_safe_harbor_forms(text: str, piece: str) -> None:
    assert any(piece in s.text for s in find_phi(text, language="en"))


def test_a_town_before_its_country_is_a_place_and_the_country_a_country() -> None:
    found = {s.text: s.type for s in find_phi("Daughter Siobhan lives in Dublin, Ireland.", language="en")}
    assert found.get("Dublin") == "TERRITORIO" and found.get("Ireland") == "PAIS"


def test_references_preview_of_every_demo_record_carries_no_identifier_and_no_record_id(demo_store) -> None:
    """What the References page previews (and then sends) for a server outside the hospital, once
    each residue is masked: every demo record's identifiers and its record id are gone."""
    from clinsum.references.outgoing import prepare

    rows = demo_store.execute("SELECT id, text, language FROM records ORDER BY id")
    assert len(rows) >= 20
    for record_id, text, language in rows:
        out = prepare(demo_store, record_id, destination="https://api.openai.com/v1", mask=True)
        assert out.gated and out.residues == [] and out.language == language
        sent = "\n".join(m["content"] for m in out.messages)
        idents = _identifiers(record_id, text)
        assert len(idents) >= 5 and record_id in idents, (record_id, idents)
        left = [i for i in idents if leaked(i, sent)]
        assert not left, f"{record_id}: {left}"
