"""Knowledge bases on real Chroma stores in tmp folders, RAG strategies against the loopback
LLM server, the CLI and the Knowledge base page.

One session workspace holds the seed base (embedding 200 entries once); small files go
into their own bases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import clinsum.plugins  # noqa: F401 - registers the RAG strategies and the kb_ingest job
from clinsum import jobs
from clinsum.errors import InputError, NotFound
from clinsum.jobs import JobStopped
from clinsum.rag import base_stats, create_base, delete_base, list_bases, search, search_many
from clinsum.rag.ingest import ingest_file, ingest_references
from clinsum.store import Store, from_json
from tests.fakes.llm_server import LLMServer, rag_responder

LABELLED = [  # query -> the seed entry it must find in the top 5
    ("normal potassium range in blood", "en-lab-potassium"),
    ("apixaban dose reduction elderly low weight", "en-drug-apixaban"),
    ("how to treat diabetic ketoacidosis", "en-cond-dka"),
    ("status epilepticus first line benzodiazepine", "en-cond-seizure"),
    ("empiric antibiotics for meningitis", "en-cond-meningitis"),
    ("sepsis first hour bundle lactate cultures", "en-cond-sepsis"),
    ("maximum daily dose of acetaminophen", "en-drug-acetaminophen"),
    ("how to write discharge medications in a summary", "en-conv-medications"),
    ("allergies must be stated in the summary", "en-conv-allergies"),
    ("right lower quadrant pain and fever appendicitis", "en-cond-appendicitis"),
    ("anion gap calculation", "en-lab-anion-gap"),
    ("alcohol withdrawal CIWA benzodiazepines", "en-cond-alcohol-withdrawal"),
    ("hemoglobin A1c meaning", "en-lab-hba1c"),
    ("rate control atrial fibrillation diltiazem", "en-drug-diltiazem"),
    ("dosis de apixabán en fibrilación auricular", "es-drug-apixaban"),
    ("tratamiento de la cetoacidosis diabética", "es-cond-cad"),
    ("criterios de sepsis y primeras medidas", "es-cond-sepsis"),
    ("dosis máxima de paracetamol", "es-drug-paracetamol"),
    ("cómo se describe el tratamiento al alta", "es-conv-tratamiento"),
    ("peritonitis bacteriana espontánea polimorfonucleares", "es-cond-pbe"),
    ("INR objetivo con acenocumarol", "es-drug-acenocumarol"),
    ("agudización de EPOC corticoide y broncodilatadores", "es-cond-epoc-agud"),
    ("hemorragia digestiva alta endoscopia", "es-cond-hda"),
    ("valores normales de la gasometría arterial", "es-lab-gasometria"),
]


@pytest.fixture(scope="module")
def kb_store(tmp_path_factory) -> Store:
    return Store.open(tmp_path_factory.mktemp("kb") / "ws")


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _mcq(i: int, cop: object = 1) -> dict:
    return {"id": f"q{i}", "question": f"Question number {i} about the kidney?", "opa": "A", "opb": f"Right {i}",
            "opc": "C", "opd": "D", "cop": cop, "exp": f"Because of reason {i}.",
            "subject_name": "Medicine", "topic_name": "Renal"}


# -- layouts and ingestion -------------------------------------------------------------------
def test_medmcqa_jsonl_with_malformed_rows(kb_store, tmp_path):
    path = _jsonl(tmp_path / "medmcqa.jsonl", [_mcq(1), "{not json", _mcq(2, cop=9), _mcq(3), _mcq(1)])
    create_base(kb_store, "mcq")
    report = ingest_file(kb_store, "mcq", path)
    assert report.layout == "medmcqa"
    assert (report.added, report.duplicates, report.n_problems) == (2, 1, 2)
    assert [(p.line, p.reason.split(" ")[0]) for p in report.problems] == [(2, "not"), (3, "cop")]
    hits = search(kb_store, "mcq", "Question number 3 about the kidney", k=1)
    assert hits[0].text.startswith("Question number 3") and "Answer: Right 3" in hits[0].text
    assert hits[0].meta["topic"] == "Renal" and hits[0].meta["line"] == 4
    assert 0 <= hits[0].distance < 0.3


def test_medmcqa_one_based_cop_by_mapping(kb_store, tmp_path):
    path = _jsonl(tmp_path / "m1.jsonl", [_mcq(7, cop=2)])
    create_base(kb_store, "mcq1")
    ingest_file(kb_store, "mcq1", path, layout="medmcqa", mapping="cop_base=1")
    assert "Answer: Right 7" in search(kb_store, "mcq1", "kidney question 7", k=1)[0].text


def test_headqa_layout_json_list_and_csv_answers(kb_store, tmp_path):
    rows = [{"qid": 1, "qtext": "¿Cuál es el antídoto del paracetamol?", "ra": 2, "category": "farmacologia",
             "year": "2016", "name": "MIR", "answers": [{"aid": 1, "atext": "Naloxona"}, {"aid": 2, "atext": "N-acetilcisteína"}]},
            {"qid": 2, "qtext": "Pregunta sin respuesta correcta", "ra": 5, "answers": [{"aid": 1, "atext": "x"}]}]
    path = tmp_path / "headqa.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    create_base(kb_store, "headqa")
    report = ingest_file(kb_store, "headqa", path)
    assert report.layout == "headqa" and report.added == 1
    assert report.problems[0].line == 2 and "ra" in report.problems[0].reason
    hit = search(kb_store, "headqa", "antídoto paracetamol", k=1)[0]
    assert "Respuesta: N-acetilcisteína" in hit.text and hit.meta["category"] == "farmacologia"


def test_csv_qa_with_field_count_problem_and_parquet_text(kb_store, tmp_path):
    csv_path = tmp_path / "qa.csv"
    csv_path.write_text('question,answer,topic\n"What is a normal sodium?","135-145 mEq/L",labs\n'
                        'broken,row\n"What lowers potassium?","Insulin with glucose",labs\n', encoding="utf-8")
    create_base(kb_store, "qa")
    report = ingest_file(kb_store, "qa", csv_path)
    assert report.layout == "qa" and report.added == 2
    assert [(p.line, "fields" in p.reason) for p in report.problems] == [(3, True)]
    pq_path = tmp_path / "notes.parquet"
    pq.write_table(pa.table({"body": ["Heparin needs platelet monitoring.", ""], "title": ["hep", "empty"]}), pq_path)
    create_base(kb_store, "notes")
    with pytest.raises(InputError):
        ingest_file(kb_store, "notes", pq_path)  # no 'text' column and no mapping
    report = ingest_file(kb_store, "notes", pq_path, mapping="text=body")
    assert report.layout == "text" and report.added == 1 and report.problems[0].line == 2
    assert base_stats(kb_store, "notes")["n_passages"] == 1


def test_interrupted_ingestion_resumes_without_repeating(kb_store, tmp_path):
    path = _jsonl(tmp_path / "big.jsonl", [_mcq(i) for i in range(100, 112)])
    create_base(kb_store, "resume")
    flushes = []

    def stop_after_first() -> None:
        flushes.append(1)
        raise JobStopped

    with pytest.raises(JobStopped):
        ingest_file(kb_store, "resume", path, batch_size=4, check_stop=stop_after_first)
    assert base_stats(kb_store, "resume")["n_passages"] == 4
    seen = []
    report = ingest_file(kb_store, "resume", path, batch_size=4,
                         progress=lambda done, total, message, eta: seen.append((done, total, eta)))
    assert (report.existing, report.added) == (4, 8)
    # the ETA ignores the fast skipped rows: unknown until rows needed embedding, 0 at the end
    assert seen[0] == (4, 12, None) and seen[1][0] == 8 and seen[1][2] > 0 and seen[-1] == (12, 12, 0.0)
    stats = base_stats(kb_store, "resume")
    assert stats["n_passages"] == 12
    assert sorted(r["status"] for r in stats["ingests"]) == ["done", "stopped"]



def test_bulk_precision_follows_the_cpu_unless_told(monkeypatch):
    import torch

    from clinsum.embeddings import PRECISION_ENV, bulk_precision
    from clinsum.errors import ConfigError

    monkeypatch.delenv(PRECISION_ENV, raising=False)
    native = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    assert bulk_precision() == ("bf16" if native else "fp32")
    for value in ("fp32", "bf16", " BF16 "):
        monkeypatch.setenv(PRECISION_ENV, value)
        assert bulk_precision() == value.strip().lower()
    monkeypatch.setenv(PRECISION_ENV, "int4")
    with pytest.raises(ConfigError, match="int4"):
        bulk_precision()


def test_bf16_passages_match_fp32_and_are_recorded(kb_store, tmp_path, monkeypatch):
    import numpy as np

    from clinsum.embeddings import PRECISION_ENV, embed, encoder

    texts = [q for q, _ in LABELLED] + ["Paciente de 78 años con insuficiencia cardiaca. " * 30]
    exact = embed(texts)
    assert np.allclose(exact, encoder().encode(texts, normalize_embeddings=True), atol=1e-6)
    fast = embed(texts, precision="bf16")
    cosines = (exact * fast).sum(axis=1)
    assert cosines.min() > 0.999 and not np.array_equal(exact, fast)  # bf16 really ran
    monkeypatch.setenv(PRECISION_ENV, "bf16")
    path = _jsonl(tmp_path / "bf16.jsonl", [_mcq(i) for i in range(300, 306)])
    create_base(kb_store, "half")
    report = ingest_file(kb_store, "half", path)
    assert report.precision == "bf16" and "bf16 embeddings" in report.summary()
    assert [r["precision"] for r in base_stats(kb_store, "half")["ingests"]] == ["bf16"]
    hits = search(kb_store, "half", "Question number 303 about the kidney? Right 303", k=1)
    assert "303" in hits[0].text and hits[0].distance < 0.2

def test_kb_ingest_job_reports_progress_and_problems(kb_store, tmp_path):
    path = _jsonl(tmp_path / "job.jsonl", [_mcq(200), "oops", _mcq(201)])
    job_id = jobs.submit(kb_store, "kb_ingest", {"base": "jobbase", "path": str(path)}, spawn=False)
    assert jobs.run_job(kb_store, job_id) == "done"
    progress = jobs.read_progress(kb_store, job_id)
    assert progress["total"] >= 3 and progress["done"] == progress["total"]
    events = jobs.read_log(kb_store, job_id)
    assert {"event": "problem", "line": 2} in [{k: e.get(k) for k in ("event", "line")} for e in events]
    assert base_stats(kb_store, "jobbase")["n_passages"] == 2


def test_names_and_delete(kb_store):
    with pytest.raises(InputError):
        create_base(kb_store, "Bad Name!")
    create_base(kb_store, "gone")
    with pytest.raises(InputError):
        create_base(kb_store, "gone")
    delete_base(kb_store, "gone")
    assert "gone" not in [b["name"] for b in list_bases(kb_store)]
    with pytest.raises(NotFound):
        search(kb_store, "gone", "x")


# -- the seed base: recall, references, CLI ---------------------------------------------------
def test_seed_recall_at_5(seed_store):
    results = search_many(seed_store, "seed", [q for q, _ in LABELLED], k=5)
    found = [expected in [h.meta.get("source_id") for h in hits]
             for (_q, expected), hits in zip(LABELLED, results, strict=True)]
    assert sum(found) / len(found) >= 0.9, [q for (q, _), ok in zip(LABELLED, found, strict=True) if not ok]


def test_validated_references_become_a_base(seed_store):
    from clinsum.rag import browse

    refs = seed_store.fetch_dicts("SELECT id FROM reference_summaries ORDER BY id LIMIT 3")
    for ref in refs:
        seed_store.execute("UPDATE reference_summaries SET status = 'validated' WHERE id = ?", [ref["id"]])
    validated = {r["id"] for r in seed_store.fetch_dicts(
        "SELECT id FROM reference_summaries WHERE status IN ('validated', 'edited')")}
    create_base(seed_store, "refs", exist_ok=True)
    report = ingest_references(seed_store, "refs")
    assert report.added >= 3 and report.n_problems == 0
    stored = {row["reference_id"] for row in browse(seed_store, "refs", 0, 10_000)}
    assert {r["id"] for r in refs} <= stored <= validated
    assert ingest_references(seed_store, "refs").added == 0  # nothing twice


def test_cli_kb_commands(seed_store, tmp_path, capsys):
    from clinsum.cli import main

    ws = str(seed_store.root)
    assert main(["-w", ws, "kb", "search", "seed", "normal sodium range", "-k", "2", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2 and lines[0]["meta"]["source_id"] == "en-lab-sodium"
    path = _jsonl(tmp_path / "cli.jsonl", [{"question": "What is CLI?", "answer": "A test."}, "bad"])
    assert main(["-w", ws, "kb", "ingest", "clikb", str(path)]) == 3  # a skipped row
    assert "line 2" in capsys.readouterr().out
    assert main(["-w", ws, "kb", "stats", "clikb"]) == 0
    assert main(["-w", ws, "kb", "delete", "clikb", "--yes"]) == 0
    assert main(["-w", ws, "kb", "stats", "clikb"]) == 4


# -- strategies against the loopback server -------------------------------------------------
def test_rag_multi_end_to_end_concurrent(seed_store):
    from clinsum.generation import save_generation, summarize
    from clinsum.records import get_record

    record = get_record(seed_store, "es01_cardiologia_icc")
    with LLMServer(latency=0.4) as server:
        server.responder = rag_responder
        result = summarize(seed_store, record, "ollama", "llama3.2:1b", "rag_multi",
                           backend_config={"host": server.ollama_host, "concurrency": 16},
                           params={"kb": "seed", "top_k": 3, "max_distance": 0.9})
        calls = list(server.calls)
    parts = [s for s in result.stages if s.name.startswith("ideas")]
    assert len(parts) >= 3
    assert len(calls) == 2 * len(parts) + 1
    assert server.peak_concurrency >= len(parts)
    ideas = sorted(calls, key=lambda c: c.start)[: len(parts)]
    assert max(c.start for c in ideas) < min(c.end for c in ideas)  # all idea calls overlapped
    assert result.retrieval and all({"distance", "idea", "section", "text"} <= set(r) for r in result.retrieval)
    ids = [r["id"] for r in result.retrieval]
    assert len(ids) == len(set(ids))  # de-duplicated across ideas
    section_prompts = [s.messages[-1]["content"] for s in result.stages if s.name.startswith("section")]
    assert any(r["text"].split("\n")[0][:40] in " ".join(p.split()) for r in result.retrieval for p in section_prompts)
    assert set(result.meta["rag"]["phases"]) == {"ideas", "retrieval", "sections", "merge"}
    gen_id = save_generation(seed_store, record.id, result)
    stored = from_json(seed_store.scalar("SELECT retrieval FROM generations WHERE id = ?", [gen_id]))
    assert [r["distance"] for r in stored] == [r["distance"] for r in result.retrieval]


def test_rag_single_and_preview(seed_store):
    from clinsum.generation import summarize
    from clinsum.rag.pipeline import preview_for_record
    from clinsum.records import get_record

    record = get_record(seed_store, "en03_endocrinology_dka")
    with LLMServer() as server:
        result = summarize(seed_store, record, "ollama", "llama3.2:1b", "rag_single",
                           backend_config={"host": server.ollama_host}, params={"max_distance": 2.0})
        assert len(server.calls) == 1
        assert "Related knowledge" in server.calls[0].messages[-1]["content"]
    assert len(result.retrieval) == 3
    sections, _seconds = preview_for_record(seed_store, record, "seed", k=2, max_distance=2.0)
    assert sections and all(len(s.hits[0]) <= 2 for s in sections)
    assert any("keto" in h.text.lower() for s in sections for h in s.hits[0])


# -- the page ----------------------------------------------------------------------------------
def test_parse_ideas():
    from clinsum.rag.pipeline import parse_ideas

    assert parse_ideas("1. Fever\n- fever\n* **Cough**\n\n• low K\nfifth\nsixth", 4) == ["Fever", "Cough", "low K", "fifth"]


def test_job_process_ingestion_is_seen_by_this_process(kb_store, tmp_path):
    """The page's process searches while a job process adds passages: Chroma's in-memory
    index must be reloaded so the new passages are found."""
    create_base(kb_store, "shared")
    assert base_stats(kb_store, "shared")["n_passages"] == 0  # this process saw it empty
    first = _jsonl(tmp_path / "first.jsonl", [_mcq(300)])
    job_id = jobs.submit(kb_store, "kb_ingest", {"base": "shared", "path": str(first)})
    assert jobs.wait(kb_store, job_id, timeout=180)["status"] == "done"
    assert len(search(kb_store, "shared", "kidney", k=10)) == 1  # an index first seen empty
    second = _jsonl(tmp_path / "second.jsonl", [_mcq(301), _mcq(302)])
    job_id = jobs.submit(kb_store, "kb_ingest", {"base": "shared", "path": str(second)})
    assert jobs.wait(kb_store, job_id, timeout=180)["status"] == "done"
    assert len(search(kb_store, "shared", "kidney", k=10)) == 3


def test_killed_ingestion_job_is_marked_interrupted_and_resumes_exactly(kb_store, tmp_path):
    """SIGKILL in the middle: the run keeps the counts of its last commit, is marked
    interrupted, and the resumed job stores every remaining row once."""
    import os
    import signal
    import time

    n = 400
    path = _jsonl(tmp_path / "kill.jsonl", [_mcq(i) for i in range(1000, 1000 + n)])
    job_id = jobs.submit(kb_store, "kb_ingest", {"base": "killed", "path": str(path), "batch_size": 8})
    deadline = time.monotonic() + 120
    while jobs.read_progress(kb_store, job_id).get("done", 0) < 40:
        assert time.monotonic() < deadline and jobs.refresh(kb_store, job_id)["status"] in jobs.ACTIVE
        time.sleep(0.05)
    os.kill(jobs.info(kb_store, job_id)["pid"], signal.SIGKILL)
    while jobs.refresh(kb_store, job_id)["status"] != "failed":
        time.sleep(0.05)
    stored_at_kill = base_stats(kb_store, "killed")["n_passages"]
    assert 40 <= stored_at_kill < n
    jobs.resume(kb_store, job_id)
    assert jobs.wait(kb_store, job_id, timeout=180)["status"] == "done"
    stats = base_stats(kb_store, "killed")
    assert stats["n_passages"] == n
    runs = {r["status"]: r for r in stats["ingests"]}
    assert set(runs) == {"interrupted", "done"}
    # counted at its last recorded commit: the kill may fall between Chroma's add and the record
    assert stored_at_kill - 8 <= runs["interrupted"]["added"] <= stored_at_kill
    assert runs["done"]["existing"] == stored_at_kill and runs["done"]["added"] == n - stored_at_kill
    assert stats["n_rows"] == runs["interrupted"]["rows_read"] + n
