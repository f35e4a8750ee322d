"""Clinical codes and faithfulness flags: hand-checked spans and values."""

from __future__ import annotations

from clinsum.metrics import get_metric
from clinsum.metrics.codes import find_codes
from clinsum.metrics.faithfulness import dates, doses, flags

SOURCE = (
    "Paciente de 67 años con gonalgia en rodilla derecha desde el 12/03/2021. "
    "Tratamiento: paracetamol 1 g cada 8 horas y omeprazol (ATC A02BC01). "
    "Fiebre de 38,5 ºC. No presenta disnea. Niega alergias. "
    "Diagnóstico CIE-10: M17.1 y I10. Procedimiento 0SRC0J9."
)


def test_codes_found_with_kinds_and_false_friends_ignored():
    codes = {(c.code, c.kind) for c in find_codes(SOURCE)}
    assert codes == {("A02BC01", "atc"), ("M17.1", "icd10"), ("I10", "icd10"), ("0SRC0J9", "procedure")}
    assert find_codes("Déficit de vitamina B12 y ferritina baja.") == []
    assert find_codes("Cifras de C12 sin contexto") == []


def test_codes_precision_recall_invented_missing():
    summary = "Gonartrosis (M17.1), omeprazol A02BC01 e invento N02BE01; dx E11."
    result = get_metric("codes").compute(summary, source=SOURCE)
    v, d = result.values, result.details
    assert d["invented"] == ["E11", "N02BE01"]
    assert d["missing"] == ["0SRC0J9", "I10"]
    assert v["codes_precision"] == 0.5 and v["codes_recall"] == 0.5
    assert v["codes_invented"] == 2 and v["codes_missing"] == 2 and v["codes_n"] == 4
    start = summary.index("N02BE01")
    assert {"code": "N02BE01", "kind": "atc", "start": start, "end": start + 7} in d["found"]
    parent = get_metric("codes").compute("Código M17", source=SOURCE).values
    assert parent["codes_precision"] == 1.0  # a category is supported by its subcode
    none = get_metric("codes").compute("Sin códigos.", source="Nada.").values
    assert none["codes_precision"] is None and none["codes_recall"] is None


def test_dose_and_date_normalisation():
    assert [v for *_, v in doses("1 g y 500 mg, 38,5 ºC, 2 mcg")] == [
        ("mg", 1000.0), ("mg", 500.0), ("c", 38.5), ("mg", 0.002)]
    assert [v for *_, v in dates("12/03/2021, 2021-03-12, 12 de marzo de 2021, March 12, 2021")] == [
        (2021, 3, 12)] * 4


def test_faithfulness_flags_every_kind_with_spans():
    summary = ("Paciente de 76 años con gonalgia en rodilla izquierda desde el 12 de marzo de 2021. "
               "Paracetamol 1000 mg cada 6 horas. Sin fiebre. Sin disnea. Sin alergias. "
               "Dolor lumbar bilateral. Control el 03/04/2021 con 20 mg de enalapril.")
    found = flags(summary, SOURCE)
    got = [(f["kind"], f["text"], f["reason"]) for f in found]
    assert got == [
        ("number", "76", "not in source"),
        ("laterality", "izquierda", "contradicts source"),
        ("number", "6", "not in source"),
        ("negation", "Sin fiebre", "contradicts source"),
        ("laterality", "bilateral", "not in source"),
        ("date", "03/04/2021", "not in source"),
        ("dose", "20 mg", "not in source"),
    ]
    for f in found:
        assert summary[f["start"]:f["end"]] == f["text"]
    result = get_metric("faithfulness").compute(summary, source=SOURCE)
    assert result.values["flags_total"] == 7 and result.values["flags_number"] == 2
    assert result.values["flags_negation"] == 1 and result.details["spans"] == found


def test_faithful_summary_has_no_flags_and_english_works():
    summary = ("Varón de 67 años, gonalgia derecha desde el 12/03/2021; paracetamol 1000 mg/8 h. "
               "Fiebre 38,5 ºC. Sin disnea ni alergias.")
    assert flags(summary, SOURCE) == []
    english_source = "Patient denies chest pain. Right knee swelling since March 3, 2020. Aspirin 100 mg."
    english = flags("No chest pain. Left knee swelling. No fever. Aspirin 300 mg.", english_source)
    assert [(f["kind"], f["text"]) for f in english] == [
        ("laterality", "Left"), ("negation", "No fever"), ("dose", "300 mg")]
    empty = get_metric("faithfulness").compute("", source=SOURCE).values
    assert empty["flags_total"] == 0 and empty["flags_per_100_words"] is None
