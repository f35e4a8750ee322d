"""The privacy gate reads what it sends in the record's language on every path: a short Spanish
snippet with no word that tells the language apart (detection alone reads it as English) is
de-identified with the Spanish rules — in the References preview, the Batch plan, a backend
send, and an LLM judge on a server outside the hospital."""

from __future__ import annotations

import pytest

from clinsum.backends.base import GenerationOptions, get_backend
from clinsum.deid import deidentify
from clinsum.metrics.judge import Judge
from clinsum.privacy import PrivacySettings, guard, in_language, save_settings, sending
from clinsum.records.ingest import Draft, apply_import, plan_import
from clinsum.references.batch import plan_batch
from clinsum.references.outgoing import prepare
from clinsum.store import Store
from clinsum.text import detect_language
from tests.fakes.llm_server import LLMServer

SNIPPET = "Hospital Sant Pau. Box 12. 07/2023."
IDENTIFIERS = ("Sant Pau", "12", "07/2023")
OUTSIDE = "https://api.example.org/v1"


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store.open(tmp_path / "ws")
    save_settings(store, PrivacySettings(inside_hosts=[]))  # the loopback fakes count as outside
    return store


@pytest.fixture
def record_id(store: Store) -> str:
    drafts = [Draft(text=SNIPPET, source="test", id="nota-1", language="es")]
    apply_import(store, plan_import(store, drafts))
    return store.execute("SELECT id FROM records")[0][0]


def _leaks(text: str) -> list[str]:
    return [s for s in IDENTIFIERS if s in text]


def test_the_snippet_needs_its_language() -> None:
    """The premise: read as English (what detection says) the hospital and bed stay."""
    assert detect_language(SNIPPET) == "en"
    assert _leaks(deidentify(SNIPPET).text)
    assert _leaks(deidentify(SNIPPET, language="es").text) == []


def test_references_preview_and_batch_plan_use_the_record_language(store: Store, record_id: str) -> None:
    out = prepare(store, record_id, destination=OUTSIDE)
    assert out.language == "es" and out.gated
    assert _leaks(out.sent_text) == [], out.sent_text
    assert "[HOSPITAL_1]" in out.sent_text
    plan = plan_batch(store, [record_id], destination=OUTSIDE)
    (_, planned, line), = plan.items
    assert planned.language == "es" and line["body"]["messages"] == out.messages


def test_a_backend_send_is_read_in_the_language_it_is_given(store: Store) -> None:
    """Read as Spanish, the hospital and the bed get their own placeholders; read as English
    only the residual scan catches them (``[PHI_n]``: the model is not told what they were)."""
    messages = [{"role": "user", "content": SNIPPET}]

    def sent() -> str:
        text = guard(OUTSIDE, messages, backend="openai-compatible").messages[0]["content"]
        assert _leaks(text) == [], text
        return text

    with sending(store, language="es"):
        assert sent().startswith("[HOSPITAL_1]. ") and "[OTRO_DATO_1]" in sent()
    with sending(store), in_language("es"):
        assert sent().startswith("[HOSPITAL_1]. ") and "[OTRO_DATO_1]" in sent()
    with sending(store):  # nothing says Spanish: the gate goes by detection
        assert "[HOSPITAL_" not in sent() and "[OTRO_DATO_" not in sent()


def test_generation_and_a_remote_judge_send_the_snippet_as_spanish(store: Store) -> None:
    from clinsum.generation import record_from_text, summarize

    with LLMServer(responder=lambda messages, model: '{"completeness": 4, "correctness": 4, "conciseness": 4}') \
            as server:
        config = {"base_url": server.openai_base_url}
        with sending(store):
            summarize(store, record_from_text(SNIPPET, language="es"), get_backend("openai-compatible", "llama3.2:1b", **config),
                      options=GenerationOptions(max_new_tokens=16))
            Judge(backend="openai-compatible", model="llama3.2:1b", backend_config=config, language="es").compute(
                "Resumen breve.", source=SNIPPET)
        assert len(server.calls) >= 2
        for call in server.calls:
            sent = "\n".join(str(m.get("content")) for m in call.messages)
            assert _leaks(sent) == [] and "[HOSPITAL_1]" in sent and "[OTRO_DATO_1]" in sent, sent


def test_the_cli_takes_the_language(tmp_path, capsys) -> None:
    from clinsum.cli import main as cli_main

    note = tmp_path / "nota.txt"
    note.write_text(SNIPPET, encoding="utf-8")
    assert cli_main(["deid", "text", str(note), "--language", "es"]) == 0
    out = capsys.readouterr().out
    assert _leaks(out) == [] and "[HOSPITAL_1]" in out

