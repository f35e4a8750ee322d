"""Prompting strategies against the loopback Ollama server: the prompts sent, stages, results."""

from __future__ import annotations

import pytest

from clinsum.backends.base import GenerationOptions
from clinsum.demo import load_demo
from clinsum.errors import InputError, NotFound
from clinsum.generation import make_backend, record_from_text, summarize, summarize_stream
from clinsum.records import get_record
from clinsum.store import Store
from clinsum.strategies import get_strategy, list_strategies
from clinsum.strategies.by_parts import split_parts
from clinsum.strategies.custom import save_custom
from clinsum.strategies.prompts import load_prompts, render
from tests.fakes.llm_server import LLMServer

MODEL = "llama3.2:1b"
RECORD_ES = """Motivo de ingreso: disnea progresiva de una semana.
Antecedentes: hipertensión arterial, diabetes mellitus tipo 2.
Exploración física: crepitantes bibasales, edemas maleolares.
Pruebas complementarias: NT-proBNP 4500 pg/ml. Radiografía con cardiomegalia.
Evolución: mejoría con furosemida intravenosa.
Juicio clínico: insuficiencia cardiaca descompensada.
Recomendaciones: control en consultas de cardiología en un mes."""


@pytest.fixture(scope="module")
def server():
    with LLMServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Store:
    store = Store.open(tmp_path_factory.mktemp("strategies") / "ws")
    load_demo(store)
    return store


@pytest.fixture
def backend(server):
    server.reset()
    server.latency = 0.0
    server.responder = lambda messages, model: f"OUT{len(server.calls)}: {messages[-1]['content'][:30]}"
    return make_backend("ollama", MODEL, config={"host": server.ollama_host})


def test_registry_lists_every_builtin_strategy():
    names = {s["name"] for s in list_strategies()}
    assert {"template", "chain_of_thought", "few_shot", "refine", "by_parts"} <= names
    with pytest.raises(NotFound):
        get_strategy("no_such_strategy")


def test_prompt_files_exist_in_both_languages_with_versions():
    for name in ("template", "chain_of_thought", "few_shot", "refine", "by_parts"):
        es, en = load_prompts(name, "es"), load_prompts(name, "en")
        assert es.version and en.version and es.system != en.system
    assert render("{record} {x} {unknown}", record="R", x="{record}") == "R {record} {unknown}"


def test_template_sends_the_record_and_the_fixed_structure(server, backend):
    result = summarize(None, record_from_text(RECORD_ES), backend, strategy="template")
    assert len(server.calls) == 1
    sent = server.calls[0].messages
    assert sent[0]["role"] == "system" and "español" in sent[0]["content"]
    assert RECORD_ES in sent[-1]["content"] and "Diagnóstico principal:" in sent[-1]["content"]
    assert result.text.startswith("OUT1") and result.prompt_version == "template/es@1"
    assert [s.name for s in result.stages] == ["summary"]
    assert result.prompts[0]["messages"] == sent
    assert result.prompt_tokens and result.completion_tokens


def test_english_record_gets_english_prompts(server, backend):
    record = record_from_text("Chief complaint: chest pain for two hours.\n"
                              "History: the patient was a smoker with hypertension.\n"
                              "Plan: follow-up with cardiology in one week.")
    assert record.language == "en"
    summarize(None, record, backend, strategy="template")
    assert "Main diagnosis:" in server.calls[0].messages[-1]["content"]


def test_chain_of_thought_keeps_reasoning_in_raw_only(server, backend):
    server.responder = lambda m, model: "<reasoning>paso 1, paso 2</reasoning>\nResumen final."
    result = summarize(None, record_from_text(RECORD_ES), backend, strategy="chain_of_thought")
    assert "<reasoning>" in server.calls[0].messages[-1]["content"]
    assert result.text == "Resumen final." and "paso 1" in result.raw


def test_refine_drafts_critiques_and_revises(server, backend):
    result = summarize(None, record_from_text(RECORD_ES), backend, strategy="refine")
    assert [s.name for s in result.stages] == ["draft", "critique", "revise"]
    draft, critique, revise = (c.messages[-1]["content"] for c in server.calls)
    assert RECORD_ES in draft
    assert result.stages[0].output in critique
    assert result.stages[0].output in revise and result.stages[1].output in revise
    assert result.text == result.stages[-1].output
    assert set(result.timings) == {"draft", "critique", "revise", "total"}


def test_by_parts_runs_sections_concurrently_then_merges(server, backend):
    server.latency = 0.2
    backend.config["concurrency"] = 8
    record = record_from_text(RECORD_ES)
    result = summarize(None, record, backend, strategy="by_parts",
                       params={"part_chars": 80})
    parts = split_parts(record.text, record.sections, 80)
    assert len(parts) >= 4
    assert len(server.calls) == len(parts) + 1
    assert server.peak_concurrency > 1
    merge = server.calls[-1]
    assert merge.start >= max(c.end for c in server.calls[:-1])
    for stage in result.stages[:-1]:
        assert stage.output in merge.messages[-1]["content"]
    assert result.stages[-1].name == "merge"


def test_by_parts_handles_a_200_page_record(server, backend):
    page = "\n".join(f"Evolución día {i}: paciente estable, afebril, tolera dieta. Constantes normales."
                     for i in range(30))
    text = "\n\n".join(f"EVOLUCIÓN PÁGINA {p}:\n{page}" for p in range(200))
    record = record_from_text(text)
    assert len(text) > 400_000
    result = summarize(None, record, backend, strategy="by_parts")
    merges = [s for s in result.stages if s.name.startswith("merge")]
    parts = [s for s in result.stages if s.name.startswith("part")]
    assert len(parts) > 12 and len(merges) >= 2  # merged in groups, then once more
    assert all(len(c.messages[-1]["content"]) < 10_000 for c in server.calls)
    assert result.text


def test_few_shot_uses_validated_references_of_other_records_only(server, backend, ws):
    record = get_record(ws, "es01_cardiologia_icc")
    result = summarize(ws, record, backend, strategy="few_shot", params={"k": 3})
    used = [r["record_id"] for r in result.retrieval]
    assert len(used) == 3 and record.id not in used
    assert all(0 <= r["distance"] <= 2 for r in result.retrieval)
    prompt = server.calls[0].messages[-1]["content"]
    own_ref = ws.scalar("SELECT text FROM reference_summaries WHERE record_id = ?", [record.id])
    assert own_ref not in prompt
    other_ref = ws.scalar("SELECT text FROM reference_summaries WHERE record_id = ?", [used[0]])
    assert other_ref in prompt
    # the same text pasted (not a workspace record) is still never its own example
    pasted = record_from_text(record.text)
    again = summarize(ws, pasted, backend, strategy="few_shot", params={"k": 3})
    assert record.id not in [r["record_id"] for r in again.retrieval]


def test_few_shot_without_references_says_so(server, backend, store):
    result = summarize(store, record_from_text(RECORD_ES), backend, strategy="few_shot")
    assert result.retrieval == [] and any("no validated" in n for n in result.notes)


def test_empty_record_is_a_clear_error(backend):
    with pytest.raises(InputError):
        record_from_text("   \n ")
    with pytest.raises(InputError):
        summarize(None, record_from_text("x").__class__(**{**record_from_text("x").__dict__, "text": " "}),
                  backend)


def test_stream_yields_the_final_stage_and_leaves_the_result(server, backend):
    stream = summarize_stream(None, record_from_text(RECORD_ES), backend, strategy="refine",
                              options=GenerationOptions(temperature=0.0, seed=7))
    text = "".join(stream)
    assert stream.result is not None and text == stream.result.text
    assert [s.name for s in stream.result.stages] == ["draft", "critique", "revise"]
    assert server.calls[-1].stream and not server.calls[0].stream
    assert server.calls[0].options["seed"] == 7 and server.calls[0].options["temperature"] == 0.0


def test_custom_strategies_are_versioned_and_found_through_the_workspace(server, backend, store):
    with pytest.raises(InputError):
        save_custom(store, "breve", "Resume esto.")
    with pytest.raises(InputError):
        save_custom(store, "template", "{record}")
    assert save_custom(store, "breve", "Resume en una frase: {record}", system="Sé breve.") == 1
    assert save_custom(store, "breve", "Resume en dos frases: {record}") == 2
    assert get_strategy("breve", store).version == "2"
    result = summarize(store, record_from_text(RECORD_ES), backend, strategy="breve")
    assert server.calls[0].messages == [{"role": "user", "content": f"Resume en dos frases: {RECORD_ES}"}]
    assert result.prompt_version == "custom:breve@2"
    assert "breve" in {s["name"] for s in list_strategies(store)}


def test_calls_to_one_server_share_its_slots_and_other_servers_have_their_own() -> None:
    """The slots are per server, found through the backend's own ``server_setting``."""
    from clinsum.backends.base import get_backend
    from clinsum.strategies.base import backend_slots

    one = get_backend("ollama", "m", host="http://127.0.0.1:9", concurrency=3)
    same = get_backend("ollama", "other-model", host="http://127.0.0.1:9", concurrency=3)
    other = get_backend("ollama", "m", host="http://127.0.0.1:10", concurrency=3)
    compat = get_backend("openai-compatible", "m", base_url="http://127.0.0.1:9/v1", concurrency=3)
    assert backend_slots(one) is backend_slots(same)
    assert backend_slots(one) is not backend_slots(other)
    assert backend_slots(compat) is not backend_slots(one)
    assert backend_slots(compat) is not backend_slots(
        get_backend("openai-compatible", "m", base_url="http://127.0.0.1:10/v1", concurrency=3))
