"""Sentence → evidence alignment: labels on hand-written Spanish and English cases, storage and
recompute on change, label reviews as annotations, the evidence metric, the perturbation set."""

from __future__ import annotations

import pytest

from clinsum.evidence import align, get_alignment, label_reviews, review_label
from clinsum.evidence.stored import is_current
from clinsum.metrics import get_metric
from clinsum.store import Store

RECORD_ES = (
    "Motivo de ingreso:\n"
    "Varón de 72 años con disnea progresiva y edemas en ambas piernas.\n"
    "Antecedentes personales:\n"
    "Hipertensión arterial. Fibrilación auricular anticoagulada con apixabán 5 mg cada 12 horas.\n"
    "Exploración física:\n"
    "Crepitantes en base derecha. No fiebre. No dolor torácico.\n"
    "Evolución:\n"
    "Se trató con furosemida 40 mg iv cada 8 horas con buena respuesta. "
    "Alta el 11/02/2024 con cita en consulta el 26/02/2024.\n"
)
RECORD_EN = (
    "History of present illness:\n"
    "A 58-year-old woman with chest pain radiating to the left arm.\n"
    "Medications:\n"
    "Aspirin 100 mg daily. Atorvastatin 40 mg at night.\n"
    "Examination:\n"
    "No fever. Crackles at the right base.\n"
    "Plan:\n"
    "Follow-up in cardiology clinic on 03/15/2024.\n"
)


def labels(summary: str, record: str) -> list[str]:
    return [s.label for s in align(summary, record).sentences]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Se trató con furosemida 40 mg iv cada 8 horas.", "supported"),
    ("Se trató con furosemida 80 mg iv cada 8 horas.", "contradicted"),      # dose
    ("Se trató con furosemida 40 g iv cada 8 horas.", "contradicted"),       # unit
    ("Crepitantes en base izquierda.", "contradicted"),                     # laterality
    ("Presenta fiebre.", "contradicted"),                                   # negation flipped
    ("Sin edemas en las piernas.", "contradicted"),                         # negation added
    ("Alta el 14/02/2024.", "contradicted"),                                # date
    ("Se realizó una colonoscopia que mostró un pólipo de 8 mm.", "unsupported"),  # fabricated
])
def test_labels_spanish(sentence, expected):
    assert labels(sentence, RECORD_ES) == [expected]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("58-year-old woman with chest pain radiating to the left arm.", "supported"),
    ("Chest pain radiating to the right arm.", "contradicted"),
    ("Aspirin 300 mg daily.", "contradicted"),
    ("She had a fever.", "contradicted"),
    ("Brain MRI showed a frontal meningioma.", "unsupported"),
])
def test_labels_english(sentence, expected):
    assert labels(sentence, RECORD_EN) == [expected]


def test_evidence_is_the_supporting_sentence_and_sections_are_covered():
    alignment = align("Anticoagulado con apixabán 5 mg cada 12 horas. Crepitantes en base derecha.",
                      RECORD_ES)
    first, second = alignment.sentences
    assert [alignment.record_sentences[j].text for j in first.evidence] == [
        "Fibrilación auricular anticoagulada con apixabán 5 mg cada 12 horas."]
    assert "Crepitantes en base derecha." in [alignment.record_sentences[j].text for j in second.evidence]
    used = {s["kind"] for s in alignment.sections if s["used"]}
    assert used == {"history", "exam"}
    assert alignment.section_coverage() == pytest.approx(2 / 4)
    rec = alignment.record_sentences[first.evidence[0]]
    assert RECORD_ES[rec.start:rec.end] == rec.text  # offsets point into the record


def _workspace(tmp_path) -> Store:
    store = Store.open(tmp_path / "ws")
    store.execute("INSERT INTO records (id, source, language, title, text, content_hash) VALUES"
                  " ('r1', 'test', 'es', 'ICC', ?, 'h1')", [RECORD_ES])
    store.execute("INSERT INTO generations (id, record_id, backend, strategy, text) VALUES"
                  " ('g1', 'r1', 'extractive', 'plain', 'Crepitantes en base izquierda. No fiebre.')")
    store.execute("INSERT INTO reference_summaries (id, record_id, version, text) VALUES"
                  " ('ref-1', 'r1', 1, 'Varón de 72 años con disnea progresiva.')")
    return store


def test_stored_per_target_and_recomputed_when_a_text_changes(tmp_path):
    store = _workspace(tmp_path)
    first = get_alignment(store, "generation", "g1")
    assert [s.label for s in first.sentences] == ["contradicted", "supported"]
    assert is_current(store, "generation", "g1") and not is_current(store, "reference", "ref-1")
    assert get_alignment(store, "reference", "ref-1").sentences[0].label == "supported"
    assert store.scalar("SELECT count(*) FROM evidence_alignments") == 2
    # the record changes: the stored alignment is stale and recomputed
    store.execute("UPDATE records SET text = replace(text, 'base derecha', 'base izquierda')")
    assert not is_current(store, "generation", "g1")
    again = get_alignment(store, "generation", "g1")
    assert [s.label for s in again.sentences] == ["supported", "supported"]
    # the summary changes
    store.execute("UPDATE generations SET text = 'Presenta fiebre alta.' WHERE id = 'g1'")
    assert [s.label for s in get_alignment(store, "generation", "g1").sentences] == ["contradicted"]
    assert store.scalar("SELECT count(*) FROM evidence_alignments") == 2


def test_a_fresh_alignment_reports_its_embedding_and_a_stored_one_reports_nothing(tmp_path):
    from clinsum.evidence import alignment

    store = _workspace(tmp_path)
    store.execute("UPDATE records SET text = text || ?", ["\nComentario nuevo: tolera la dieta oral sin náuseas."])
    steps: list[tuple[str, dict]] = []
    get_alignment(store, "generation", "g1", progress=lambda step, **info: steps.append((step, info)))
    embedded = [info for step, info in steps if step == "embed"]
    assert embedded and embedded[-1]["done"] == embedded[-1]["sentences"] > 0, steps  # counted to the end
    assert {step for step, _ in steps} <= {"load", "embed"}
    steps.clear()
    get_alignment(store, "generation", "g1", progress=lambda step, **info: steps.append((step, info)))
    assert steps == []  # stored and current: nothing to wait for
    assert getattr(alignment._steps, "progress", None) is None  # the thread is not left reporting


def test_label_review_is_an_annotation(tmp_path):
    store = _workspace(tmp_path)
    get_alignment(store, "generation", "g1")
    result = review_label(store, "dra.ruiz", "generation", "g1", 0, "unsupported", "no consta")
    assert result["verdict"] == "overturn" and result["computed_label"] == "contradicted"
    review_label(store, "dr.gil", "generation", "g1", 0, "contradicted")
    row = store.fetch_one("SELECT item_kind, item_id, record_id, verdict FROM annotations"
                          " WHERE annotator = 'dra.ruiz'")
    assert row == {"item_kind": "evidence", "item_id": "generation:g1:0", "record_id": "r1",
                   "verdict": "overturn"}
    reviews = label_reviews(store, "generation", "g1")
    assert [(r["annotator"], r["label"], r["verdict"]) for r in reviews[0]] == [
        ("dra.ruiz", "unsupported", "overturn"), ("dr.gil", "contradicted", "confirm")]
    review_label(store, "dra.ruiz", "generation", "g1", 0, "contradicted")  # changes her mind
    assert store.scalar("SELECT count(*) FROM annotations WHERE item_kind = 'evidence'") == 2
    from clinsum.errors import InputError, NotFound

    with pytest.raises(InputError):
        review_label(store, "", "generation", "g1", 0, "supported")
    with pytest.raises(InputError):
        review_label(store, "x", "generation", "g1", 0, "wrong")
    with pytest.raises(NotFound):
        review_label(store, "x", "generation", "g1", 9, "supported")


def test_evidence_metric_registered_and_scored(tmp_path):
    from clinsum.metrics.base import direction
    from clinsum.metrics.scoring import local_metrics, score_workspace

    assert "evidence" in local_metrics() and "judge" not in local_metrics()
    assert direction("evidence_contradicted") == "lower"
    assert direction("evidence_supported_share") == "higher"
    result = get_metric("evidence").compute("Crepitantes en base izquierda. No fiebre.", source=RECORD_ES)
    assert result.values["evidence_contradicted"] == 1.0
    assert result.values["evidence_supported_share"] == 0.5
    assert result.values["evidence_section_coverage"] == pytest.approx(1 / 4)
    store = _workspace(tmp_path)
    report = score_workspace(store, ["evidence"])
    assert report.computed["evidence"] == 2
    values = dict(store.execute("SELECT name, value FROM metrics WHERE target_id = 'g1'"))
    assert values["evidence_contradicted"] == 1.0 and values["evidence_unsupported"] == 0.0
    assert score_workspace(store, ["evidence"]).computed["evidence"] == 0  # nothing due again


def test_perturbation_set_has_every_kind():
    from clinsum.evidence.perturb import KINDS, demo_cases

    cases, records = demo_cases()
    kinds = {c.kind for c in cases}
    assert set(KINDS) <= kinds and "original" in kinds
    assert all(c.flagged == (c.kind != "original") for c in cases)
    assert {c.language for c in cases} == {"es", "en"}
    for case in cases:
        if case.kind == "fabricated":
            assert case.sentence not in records[case.record_id]
