"""The extractive backend: real MiniLM embeddings, headings kept, budget respected, duplicates dropped."""

from __future__ import annotations

import pytest

from clinsum.backends import BACKENDS, GenerationOptions, get_backend
from clinsum.backends.extractive import mmr_rank, textrank_rank, word_budget
from clinsum.errors import BackendUnavailable, InputError
from clinsum.text import words

COPIED = "Se pauta furosemida 40 mg cada 12 horas con buena respuesta diurética."
NEAR_COPY = "Se pauta furosemida 40 mg cada 12 h con buena respuesta diurética."  # edited copy
RECORD = f"""Motivo de ingreso:
Disnea progresiva de una semana de evolución y edemas en miembros inferiores.

Antecedentes personales:
Hipertensión arterial en tratamiento con enalapril. Diabetes mellitus tipo 2 con metformina.
Exfumador desde hace diez años. No alergias medicamentosas conocidas.

Enfermedad actual:
Varón de 68 años que consulta por disnea de moderados esfuerzos que ha progresado hasta hacerse de reposo.
Refiere ortopnea de tres almohadas y disnea paroxística nocturna. {COPIED}
Niega dolor torácico, fiebre o tos productiva.

Exploración física:
Tensión arterial 150/90 mmHg, frecuencia cardiaca 98 lpm. Crepitantes bibasales.
Edemas con fóvea hasta las rodillas. Ingurgitación yugular presente.

Evolución:
{COPIED} Mejoría progresiva de la disnea con el tratamiento diurético.
Se realiza ecocardiograma que muestra fracción de eyección del 35 %. {NEAR_COPY}
Al alta se encuentra eupneico y sin edemas.

Juicio clínico:
Insuficiencia cardiaca descompensada con fracción de eyección reducida.
"""
HEADINGS = ["Motivo de ingreso", "Antecedentes personales", "Enfermedad actual",
            "Exploración física", "Evolución", "Juicio clínico"]


def _summarize(text: str, model: str = "minilm-mmr", options: GenerationOptions | None = None,
               **config):
    backend = get_backend("extractive", model, **config)
    return backend.generate([{"role": "user", "content": text}], options or GenerationOptions())


def test_registered_as_honestly_extractive():
    cls = BACKENDS.get("extractive")
    assert cls.generative is False
    assert "extractive" in cls.label.lower() and "not a language model" in cls.label
    assert cls.list_models() == ["minilm-mmr", "minilm-textrank", "lead-k"]
    assert cls.status()[0] is True


def test_keeps_headings_drops_copy_paste_and_is_deterministic():
    result = _summarize(RECORD, max_words=400)
    text = result.text
    for heading in HEADINGS:
        assert f"{heading}:\n" in text
    assert text.count("furosemida 40 mg") == 1  # the copy and the edited copy are dropped
    assert result.meta["dropped_duplicates"] == 2
    assert result.meta["extractive"] is True and result.meta["method"] == "mmr"
    assert _summarize(RECORD, max_words=400).text == text
    kept = _summarize(RECORD, max_words=400, dedup=False)  # removal off: the copy comes back
    assert kept.text.count("furosemida 40 mg") >= 2 and kept.meta["dropped_duplicates"] == 0
    # headings come in record order, and each sentence is copied verbatim from the record
    positions = [text.index(h) for h in HEADINGS]
    assert positions == sorted(positions)
    for block in text.split("\n\n"):
        body = block.split(":\n", 1)[1]
        assert all(part.strip() in RECORD for part in body.split(". ") if part.strip())


@pytest.mark.parametrize("model", ["minilm-mmr", "minilm-textrank"])
@pytest.mark.parametrize("budget", [25, 60])
def test_budget_in_words_is_respected(model, budget):
    result = _summarize(RECORD, model, max_words=budget)
    assert 0 < len(words(result.text)) <= budget
    assert result.meta["budget_words"] == budget
    assert result.meta["selected"] < result.meta["sentences"]


def test_budget_from_max_new_tokens_and_ratio():
    long_words = len(words(RECORD))
    assert word_budget(long_words, GenerationOptions(max_new_tokens=40), {}) == 30
    assert word_budget(10_000, GenerationOptions(max_new_tokens=4096), {"ratio": 0.1}) == 1000
    result = _summarize(RECORD, options=GenerationOptions(max_new_tokens=60))
    assert len(words(result.text)) <= 45


def test_record_text_from_config_wins_over_messages():
    backend = get_backend("extractive", "", record_text=RECORD, max_words=60)
    assert backend.model == "minilm-mmr"
    result = backend.generate([{"role": "user", "content": "Instrucciones: resume."}],
                              GenerationOptions())
    assert "Motivo de ingreso" in result.text and "Juicio clínico" in result.text
    assert "Instrucciones" not in result.text and result.meta["sentences"] >= 15


def test_record_without_headings_gives_plain_paragraphs():
    text = ("El paciente ingresa por neumonía adquirida en la comunidad. Recibe amoxicilina "
            "durante siete días. Evoluciona favorablemente y se da de alta. Control en un mes.")
    result = _summarize(text, max_words=20)
    assert ":\n" not in result.text and result.text
    assert len(words(result.text)) <= 20


def test_bad_input_is_clear():
    with pytest.raises(InputError, match="empty"):
        _summarize("   \n ")
    with pytest.raises(InputError, match="no sentences"):
        _summarize("Motivo de ingreso:\n1.\n\nJuicio clínico:\n2.")
    with pytest.raises(BackendUnavailable, match="Unknown extractive method"):
        get_backend("extractive", "gpt-4")


def test_rankers_prefer_central_sentences():
    import numpy as np

    vectors = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 1], [0.95, 0.05, 0]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    mmr, textrank = mmr_rank(vectors), textrank_rank(vectors)
    assert mmr[0] != 2 and sorted(mmr) == [0, 1, 2, 3]
    assert textrank[-1] == 2  # the outlier is least central
    assert mmr_rank(vectors, lam=0.5).index(2) == 1  # more weight on diversity: picked second


def test_meddocan_case(meddocan_dir):
    path = sorted((meddocan_dir / "dev").glob("*.txt"))[0]
    text = path.read_text(encoding="utf-8")
    result = _summarize(text, max_words=80)
    assert result.text and len(words(result.text)) <= 80
    for line in result.text.splitlines():
        if line.endswith(":") or not line.strip():
            continue
        assert line.strip()[:30] in text  # copied from the record


def test_stored_with_only_the_settings_it_used(demo_store):
    from clinsum.backends import GenerationOptions
    from clinsum.generation import save_generation, summarize

    record_id = demo_store.scalar("SELECT id FROM records ORDER BY length(text) LIMIT 1")
    result = summarize(demo_store, record_id, "extractive", "lead-k", strategy="by_parts",
                       options=GenerationOptions(temperature=0.7, max_new_tokens=300))
    gen_id = save_generation(demo_store, record_id, result, params={"part_chars": 900})
    row = demo_store.fetch_one("SELECT strategy, temperature, decoding, params FROM generations WHERE id = ?", [gen_id])
    assert (row["strategy"], row["temperature"], row["decoding"]) == ("extractive", None, None)
    assert "part_chars" not in row["params"] and "temperature" not in row["params"]


def test_lead_k_takes_each_sections_first_sentences_and_reports_its_steps():
    text = ("Motivo de consulta:\nDolor torácico opresivo desde ayer. Irradia al brazo izquierdo.\n\n"
            "Plan:\nIngreso en cardiología para estudio. Control de troponinas seriadas.")
    steps: list[str] = []
    lead = get_backend("extractive", "lead-k", progress=lambda step, **info: steps.append(step))
    out = lead.generate([{"role": "user", "content": text}], GenerationOptions(max_new_tokens=40))
    assert out.text.startswith("Motivo de consulta:\nDolor torácico opresivo desde ayer.")
    assert steps == ["select"]  # no embedding pass for the baseline
    mmr = get_backend("extractive", "minilm-mmr", progress=lambda step, **info: steps.append(step))
    mmr.generate([{"role": "user", "content": text + " Nueva línea distinta."}], GenerationOptions())
    assert "embed" in steps and steps[-1] == "select"
