"""The LLM judge against the loopback Ollama/OpenAI server; prompts and answer parsing."""

from __future__ import annotations

import json

import pytest

from clinsum.errors import InputError
from clinsum.metrics import get_metric
from clinsum.metrics.judge import JudgeError, load_prompt, parse_judgment, reset_prompt, save_prompt
from tests.fakes.llm_server import LLMServer

SOURCE = "Varón de 70 años con neumonía basal derecha. Tratado con amoxicilina 1 g cada 8 horas."
GOOD = {"completeness": {"score": 4, "rationale": "Falta la dosis."},
        "correctness": {"score": 5, "rationale": "Sin errores."},
        "conciseness": {"score": 3, "rationale": "Algo largo."}}


def test_parse_lenient_answers():
    fenced = "<think>veamos</think>\n```json\n" + json.dumps(GOOD) + "\n```"
    assert parse_judgment(fenced)["completeness"] == (4.0, "Falta la dosis.")
    spanish = "{'completitud': '4/5', 'corrección': 2, 'concisión': {'puntuación': 5,},}"
    assert {k: v[0] for k, v in parse_judgment(spanish).items()} == {
        "completeness": 4.0, "correctness": 2.0, "conciseness": 5.0}
    flat = {"scores": {"completeness": 2, "correctness": 3, "conciseness": 4},
            "rationales": {"correctness": "una cifra mal"}}
    assert parse_judgment("Aquí va: " + json.dumps(flat))["correctness"] == (3.0, "una cifra mal")
    with pytest.raises(JudgeError):
        parse_judgment("No puedo evaluar esto.")
    with pytest.raises(JudgeError):
        parse_judgment(json.dumps({"completeness": 9, "correctness": 3, "conciseness": 4}))


def test_judge_through_ollama_loopback(tmp_path):
    seen = []

    def responder(messages, model):
        seen.append(messages)
        return "Claro. " + json.dumps(GOOD, ensure_ascii=False)

    with LLMServer(responder=responder) as server:
        judge = get_metric("judge", backend="ollama", model="llama3.2:1b",
                           backend_config={"host": server.ollama_host}, prompt_dir=tmp_path)
        result = judge.compute("Neumonía derecha con amoxicilina.", "Neumonía basal derecha.", SOURCE)
    assert result.values == {"judge_completeness": 4.0, "judge_correctness": 5.0,
                             "judge_conciseness": 3.0, "judge_mean": 4.0}
    assert result.details["rationales"]["completeness"] == "Falta la dosis."
    assert result.details["language"] == "es" and result.details["prompt_version"] == "v1"
    user = seen[0][-1]["content"]
    assert SOURCE in user and "Neumonía derecha con amoxicilina." in user and "{summary}" not in user
    assert "ollama/llama3.2:1b" in judge.version


def test_judge_retries_once_then_reports_failure_over_openai(tmp_path):
    answers = iter(["Lo siento, no sé.", json.dumps(GOOD), "nada", "tampoco"])
    with LLMServer(responder=lambda messages, model: next(answers)) as server:
        judge = get_metric("judge", backend="openai-compatible", model="phi4:latest",
                           backend_config={"base_url": server.openai_base_url},
                           prompt_dir=tmp_path, language="en")
        ok = judge.compute("Pneumonia.", None, "Right basal pneumonia.")
        bad = judge.compute("Pneumonia.", None, "Right basal pneumonia.")
    assert ok.values["judge_mean"] == 4.0 and ok.details["attempts"] == 2
    assert bad.failed and bad.values["judge_mean"] is None and bad.details["raw"] == "tampoco"


def test_prompt_edit_changes_version_and_is_validated(tmp_path):
    builtin = load_prompt("es", tmp_path)
    assert builtin.version == "v1" and not builtin.custom
    edited = builtin.text.replace("Eres estricto", "Eres muy estricto")
    saved = save_prompt(tmp_path, "es", edited)
    assert saved.custom and saved.version.startswith("custom-")
    assert load_prompt("es", tmp_path).version == saved.version
    assert load_prompt("en", tmp_path).version == "v1"
    with pytest.raises(InputError):
        save_prompt(tmp_path, "es", "=== system ===\nx\n=== user ===\nsin marcadores")
    reset_prompt(tmp_path, "es")
    assert load_prompt("es", tmp_path).version == "v1"
    with pytest.raises(InputError):
        get_metric("judge", backend="ollama")
