"""The RAG flow on the pages (AppTest): ingest a MedMCQA-layout upload with a progress bar,
search it with scores, manage bases, and run the RAG strategies on the live page, with and
without an LLM backend."""

from __future__ import annotations

import json
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from clinsum import jobs
from clinsum.rag import base_stats, list_bases
from clinsum.store import Store, from_json
from tests.fakes.llm_server import KEY_IDEAS, LLMServer, rag_responder


def _app(page_app, workspace: Path, page: str, host: str | None = None, lang: str = "en") -> AppTest:
    """``page`` on ``workspace``; no Ollama (so no LLM backend) unless ``host`` is given."""
    at = page_app(page, workspace, ollama_host=host, timeout=120, lang=lang)
    assert not at.error, [e.value for e in at.error]
    return at


def _speaks(at: AppTest, lang: str, known: set[str] = frozenset(), tables_only: bool = False) -> None:
    """What the page shows (its tables only, with ``tables_only``) reads in ``lang``."""
    from test_pages_i18n import problems, visible_texts

    texts = [(k, v) for k, v in visible_texts(at) if not tables_only or k.startswith("Dataframe")]
    found = problems(texts, lang, set(known))
    assert found == [], "\n".join(found)


def _medmcqa_upload(n: int) -> bytes:
    organs = ["kidney", "heart", "liver", "lung"]
    rows = [json.dumps({"id": f"m{i}", "question": f"Which finding is typical of {organs[i % 4]} disease {i}?",
                        "opa": "Edema", "opb": f"Finding {i}", "opc": "Rash", "opd": "Fever", "cop": 1,
                        "exp": f"Finding {i} follows from the physiology of the {organs[i % 4]}.",
                        "subject_name": "Medicine", "topic_name": organs[i % 4]}) for i in range(n)]
    rows.insert(3, '{"question": "broken row"')  # line 4: malformed JSON
    return ("\n".join(rows) + "\n").encode()


def test_kb_page_ingests_an_upload_with_progress_then_searches(page_app, tmp_path):
    workspace = tmp_path / "ws"
    store = Store.open(workspace)
    at = _app(page_app, workspace, "50_knowledge_base.py")
    assert any("No knowledge base" in i.value or "no knowledge base" in i.value.lower() for i in at.info)
    at.text_input(key="kb.new_name").input("medmcqa")
    at.button[[b.label for b in at.button].index("Create")].click().run()
    assert [b["name"] for b in list_bases(store)] == ["medmcqa"]

    at.file_uploader(key="kb.upload").set_value([("medmcqa.jsonl", _medmcqa_upload(40), "application/json")]).run()
    at.button(key="kb.start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    job_id = at.session_state["kb.job"]
    assert jobs.info(store, job_id)["kind"] == "kb_ingest"
    # the job's panel shows in the same click: a stop button while it runs, its bar when done
    assert any(b.key == f"stop-{job_id}" for b in at.button) or at.get("progress")
    deadline = time.monotonic() + 120
    while jobs.refresh(store, job_id)["status"] in jobs.ACTIVE:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    bar = at.get("progress")[0]
    assert bar.value == 100 and "41/41" in bar.proto.text  # 40 rows + the broken one
    assert any("40 added" in s.value for s in at.success), [s.value for s in at.success]
    problems = next(e for e in at.expander if e.label.startswith("Rows skipped"))
    assert problems.label.endswith("1")
    assert base_stats(store, "medmcqa")["n_passages"] == 40
    headers = {c for d in at.dataframe for c in d.value.columns}
    assert {"Passages", "Rows read", "Line", "Reason"} <= headers, headers  # bases, ingestions, problems
    fields = {"cop_base", "subject_name", "topic_name"}  # the MedMCQA fields, named as the file has them
    _speaks(at, "en", {f"m{i}" for i in range(40)} | fields)

    at.text_input(key="kb.query").input("typical kidney disease finding 12").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    hits = [m.value for m in at.markdown if m.value.startswith("**#")]
    assert len(hits) == 5 and "distance" in hits[0] and "similarity" in hits[0]
    assert "Finding 12" in " ".join(m.value for m in at.markdown)
    spanish = page_app("50_knowledge_base.py", workspace, lang="es", run=False)
    spanish.session_state["kb.job"] = job_id  # the same job's panel, read in Spanish
    spanish.run()
    reasons = [v for d in spanish.dataframe if "Motivo" in d.value.columns for v in d.value["Motivo"]]
    assert len(reasons) == 1 and reasons[0].startswith("no es JSON válido ("), reasons  # the skipped row


def test_kb_page_creates_searches_and_deletes(page_app, seed_store):
    at = _app(page_app, seed_store.root, "50_knowledge_base.py")
    at.text_input(key="kb.new_name").input("mybase")
    at.button[[b.label for b in at.button].index("Create")].click().run()
    assert not at.exception and not at.error
    assert "mybase" in [b["name"] for b in list_bases(seed_store)]
    at.selectbox(key="kb.pick").set_value("seed").run()
    at.text_input(key="kb.query").input("normal potassium level").run()
    assert not at.exception and not at.error
    shown = " ".join(m.value for m in at.markdown)
    assert "What is the normal potassium range?" in shown and "distance" in shown
    at.selectbox(key="kb.pick").set_value("mybase").run()
    at.text_input(key="kb.confirm").input("mybase").run()
    at.button(key="kb.delete").click().run()
    assert not at.exception and not at.error
    assert "mybase" not in [b["name"] for b in list_bases(seed_store)]


def test_summarize_page_runs_multi_question_rag_and_shows_passages_per_section(page_app, seed_store):
    with LLMServer() as server:
        server.responder = rag_responder
        at = _app(page_app, seed_store.root, "20_summarize.py", server.ollama_host, lang="es")
        at.selectbox(key="summarize.record").set_value("es01_cardiologia_icc")
        at.selectbox(key="summarize.strategy").set_value("rag_multi").run()
        assert at.selectbox(key="summarize.backend").value == "ollama"
        at.button(key="summarize.run").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        calls = list(server.calls)
    sections = [e for e in at.expander if " · " in e.label and e.label.split(" · ")[-1].isdigit()]
    n_parts = len(sections)  # ideas ∥, sections ∥, merge: 2k + 1 calls
    assert n_parts >= 3 and len(calls) == 2 * n_parts + 1
    assert sum(int(e.label.split(" · ")[-1]) for e in sections) > 0
    html = " ".join(m.value for m in at.markdown)
    for idea in KEY_IDEAS.replace("- ", "").splitlines():
        assert idea in html
    assert "distancia" in html  # each passage with its distance
    phases = next(df for df in at.dataframe if list(df.value.columns) == ["Etapa", "Segundos"])  # RAG phases
    assert {"ideas clave", "recuperación", "apartados", "unión", "total"} <= set(phases.value.iloc[:, 0])
    _speaks(at, "es", {r[0] for r in seed_store.execute("SELECT id FROM records")})
    at.button(key="summarize.save").click().run()
    row = seed_store.fetch_one("SELECT strategy, retrieval FROM generations WHERE record_id = 'es01_cardiologia_icc'"
                               " AND strategy = 'rag_multi'")
    assert row and from_json(row["retrieval"]) and "distance" in from_json(row["retrieval"])[0]


def test_summarize_page_shows_retrieval_with_extractive_backend(page_app, seed_store):
    at = _app(page_app, seed_store.root, "20_summarize.py")
    at.selectbox(key="summarize.strategy").set_value("rag_multi").run()
    at.selectbox(key="summarize.backend").set_value("extractive").run()
    assert not at.exception
    assert any("needs a language model" in i.value for i in at.info)
    at.button(key="summarize.rag.preview").click().run()
    assert not at.exception and not at.error
    assert any("Retrieval for this record" in m.value for m in at.markdown)
    assert any(e.label.split(" · ")[-1] != "0" for e in at.expander if " · " in e.label)
