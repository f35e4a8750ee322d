"""The live summarization page through AppTest: demo records, loopback Ollama, saving."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinsum.backends import BACKENDS
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer, free_port_url


@pytest.fixture(scope="module")
def workspace(module_demo_workspace) -> Path:
    """This module's copy of the session's demo workspace."""
    return module_demo_workspace


def _app(page_app, workspace, host: str) -> AppTest:
    at = page_app("20_summarize.py", workspace, ollama_host=host)
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_page_streams_a_summary_from_loopback_ollama_and_saves_it(page_app, workspace):
    with LLMServer() as server:
        at = _app(page_app, workspace, server.ollama_host)
        assert at.selectbox(key="summarize.backend").value == "ollama"
        assert "phi4:latest" in at.selectbox(key="summarize.model.ollama").options
        at.selectbox(key="summarize.record").set_value("es02_neumologia_epoc")
        at.selectbox(key="summarize.strategy").set_value("template")
        at.button(key="summarize.run").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert len(server.calls) == 1 and server.calls[0].stream
        record_text = Store(workspace).scalar(
            "SELECT text FROM records WHERE id = 'es02_neumologia_epoc'")
        assert record_text in server.calls[0].messages[-1]["content"]
        html = " ".join(m.value for m in at.markdown)
        assert "Resumen:" in html  # the fake model's answer, shown beside the reference
        assert any("Reference summary" in m.value for m in at.markdown)
        at.button(key="summarize.save").click().run()
        assert not at.exception
        row = Store(workspace).fetch_one(
            "SELECT * FROM generations WHERE record_id = 'es02_neumologia_epoc'")
        assert row and row["backend"] == "ollama" and row["strategy"] == "template"
        assert row["text"].startswith("Resumen:") and row["prompt_version"] == "template/es@1"


def test_page_with_pasted_text_and_ollama_down_explains_what_is_needed(page_app, workspace):
    at = _app(page_app, workspace, free_port_url())
    assert not any(o.startswith("Ollama") for o in at.selectbox(key="summarize.backend").options), at.selectbox(key="summarize.backend").options
    assert any("ollama serve" in m.value for m in at.markdown), [m.value[:60] for m in at.markdown]
    assert any("extractive" in i.value for i in at.info)
    at.radio(key="summarize.source").set_value("paste").run()
    at.text_area(key="summarize.paste").set_value("").run()
    assert at.button(key="summarize.run").disabled
    assert not at.exception and not at.error


@pytest.mark.skipif("extractive" not in BACKENDS, reason="the extractive backend is not installed yet")
def test_page_summarizes_with_the_extractive_backend_without_any_server(page_app, workspace):
    at = _app(page_app, workspace, free_port_url())
    at.selectbox(key="summarize.backend").set_value("extractive").run()
    at.selectbox(key="summarize.strategy").set_value("by_parts")
    at.button(key="summarize.run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("EXTRACTIVE" in w.value for w in at.warning)


def test_page_names_backends_and_their_needs_in_spanish(page_app, workspace):
    at = page_app("20_summarize.py", workspace, lang="es")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(o.startswith("Extractivo (frases") for o in at.selectbox(key="summarize.backend").options)
    needs = " ".join(m.value for m in at.markdown)
    assert "Un servidor Ollama" in needs and "An Ollama server" not in needs


def test_page_runs_a_parallel_strategy_and_lists_every_stage(page_app, workspace):
    """Stages finished on worker threads are drawn by the script thread (no NoSessionContext)."""
    with LLMServer(latency=0.2) as server:
        at = _app(page_app, workspace, server.ollama_host)
        at.selectbox(key="summarize.record").set_value("es01_cardiologia_icc")
        at.selectbox(key="summarize.strategy").set_value("by_parts")
        at.button(key="summarize.run").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        n_calls = len(server.calls)
    assert server.peak_concurrency >= 2 and n_calls >= 3
    drawn = [m.value for m in at.markdown if m.value.startswith("Stage '") and "' done in" in m.value]
    timings = at.dataframe[0].value
    assert len(timings) == n_calls and len(drawn) == n_calls, drawn


def test_page_asks_the_next_server_of_the_model_when_the_first_fails(page_app, workspace):
    with LLMServer() as first, LLMServer() as second:
        at = _app(page_app, workspace, first.ollama_host)
        at.selectbox(key="summarize.record").set_value("es02_neumologia_epoc")
        at.selectbox(key="summarize.strategy").set_value("template")
        at.text_area(key="summarize.endpoints.ollama").set_value(second.ollama_host)
        first.stop()  # the main server goes down after the page listed its models
        at.button(key="summarize.run").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert len(second.calls) == 1
        assert "Resumen:" in " ".join(m.value for m in at.markdown)


def test_a_local_model_run_lists_its_steps_load_then_generation(page_app, workspace, tmp_path):
    """A single-stage run says what it waits for: the model's load, then its generation."""
    from clinsum.backends.transformers_local import clear_cache
    from tests.fakes.tiny_llama import build_tiny_llama

    clear_cache()
    model = build_tiny_llama(tmp_path / "tiny")
    at = _app(page_app, workspace, free_port_url())
    at.selectbox(key="summarize.backend").set_value("transformers").run()
    at.text_input(key="summarize.model_free.transformers").set_value(str(model))
    at.selectbox(key="summarize.strategy").set_value("template")
    at.number_input(key="summarize.max_tokens").set_value(16)
    at.button(key="summarize.run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    lines = [m.value.replace("\\", "") for m in at.status[0].markdown]  # drawn Markdown-escaped
    assert lines[0].startswith("Loading the model tiny (") and lines[1].startswith("Generating: a "), lines
    assert at.status[0].label.startswith("Summary ready in")


def test_an_extractive_run_lists_embedding_and_selection_in_spanish(page_app, workspace):
    at = page_app("20_summarize.py", workspace, lang="es")
    at.selectbox(key="summarize.backend").set_value("extractive").run()
    at.selectbox(key="summarize.model.extractive").set_value("minilm-textrank")
    at.selectbox(key="summarize.record").set_value("es09_digestivo_cirrosis")
    at.button(key="summarize.run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    lines = [m.value.replace("\\", "") for m in at.status[0].markdown]
    steps = [line.split(" ")[0] for line in lines if line.endswith("…")]
    assert steps[-2:] == ["Calculando", "Seleccionando"], lines  # (after "Cargando" on first use)
    embedded = next(line for line in lines if line.startswith("Calculando"))
    assert re.fullmatch(r"Calculando embeddings: (\d+) de \1 frases…", embedded), embedded  # one line, at its end
    assert lines[-1].startswith("Etapa «extractive» lista en"), lines
